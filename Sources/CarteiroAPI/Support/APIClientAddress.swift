import HTTPTypes

/// Where a request comes from, for the limits of the public operations (sign-up). The server
/// that accepted the connection writes the client's address into `header` of every request (the
/// peer's own unless the peer is a trusted proxy, then the address it forwarded), after removing
/// any such field the client sent; the API's first middleware reads it into `current`.
public enum APIClientAddress {
    /// The field the server stamps; a client's own is never let through.
    public static let headerName = "Carteiro-Client-Address"
    static let header = HTTPField.Name(headerName)!

    @TaskLocal static var current: String?
}
