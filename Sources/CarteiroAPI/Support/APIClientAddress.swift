import HTTPTypes

/// Where a request comes from, for the limits of the public operations (sign-up): the server
/// that accepted the connection sets `resolver` around it, turning the request's `Forwarded` and
/// `X-Forwarded-For` values into the client's address (the peer's own unless the peer is a
/// trusted proxy); the API's first middleware resolves each request's into `current`.
public enum APIClientAddress {
    public typealias Resolver = @Sendable (_ forwarded: [String], _ xForwardedFor: [String]) -> String?

    @TaskLocal public static var resolver: Resolver?
    @TaskLocal static var current: String?

    static let forwarded = HTTPField.Name("Forwarded")!
    static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
}
