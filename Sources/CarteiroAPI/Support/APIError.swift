public import CarteiroDomain
public import HTTPTypes

/// An error the API answers with a 4xx status and `{"error": {"code", "message", "field"?}}`.
/// Handlers throw it; `ErrorMiddleware` turns it, and every other error, into a response.
public struct APIError: Error, Sendable, CustomStringConvertible {
    public let status: HTTPResponse.Status
    /// Stable and machine-readable: `invalid_field`, `not_found`, `conflict`, …
    public let code: String
    public let message: String
    public let field: String?

    public init(_ status: HTTPResponse.Status, code: String, _ message: String, field: String? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.field = field
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    public static func invalid(_ field: String, _ message: String) -> APIError {
        APIError(.badRequest, code: "invalid_field", message, field: field)
    }

    public static func badRequest(_ message: String) -> APIError { APIError(.badRequest, code: "bad_request", message) }

    public static func notFound(_ what: String, _ id: String) -> APIError {
        APIError(.notFound, code: "not_found", "no \(what) \(id)")
    }

    /// A body names a resource that does not exist (404 is kept for the resource of the path).
    public static func missingReference(_ what: String, _ id: String, field: String) -> APIError {
        APIError(.conflict, code: "missing_reference", "no \(what) \(id)", field: field)
    }

    public static func conflict(_ message: String, field: String? = nil) -> APIError {
        APIError(.conflict, code: "conflict", message, field: field)
    }

    public static func tooLarge(limit: Int) -> APIError {
        APIError(.contentTooLarge, code: "too_large", "the body is over \(limit / 1_048_576) MB")
    }

    public static let unauthorized = APIError(
        .unauthorized, code: "unauthorized", "a valid bearer token is needed (carteiro token create); it may be unknown, revoked or expired")

    public static func forbidden(scope: AccessToken.Scope, allowed: Set<AccessToken.Scope>) -> APIError {
        APIError(
            .forbidden, code: "forbidden",
            "a token of scope \(scope.rawValue) may not do this; it needs \((allowed.union([.admin])).map(\.rawValue).sorted().joined(separator: " or "))")
    }
}

extension APIError {
    /// A value of the document's form that a domain type refused (an address that cannot exist,
    /// an unknown time zone): 422, where a value the document refuses is 400.
    public init(_ error: ValidationError) {
        self.init(.unprocessableContent, code: "invalid_value", error.reason, field: error.field)
    }

    /// A status change the resource's state does not allow.
    public init(_ error: TransitionError) {
        self.init(.conflict, code: "invalid_state", error.description, field: "status")
    }

    /// Store refusals that are the caller's doing; nil for the others (a 503 or a bug).
    public init?(_ error: StoreError) {
        switch error.kind {
        case .duplicate: self.init(.conflict, code: "duplicate", error.message, field: error.field)
        case .conflict: self.init(.conflict, code: "version_conflict", error.message, field: "version")
        case .notFound: self.init(.notFound, code: "not_found", error.message)
        default: return nil
        }
    }
}

extension APIError {
    /// An operation whose step of the work is not built yet.
    static let notYet = APIError(.notImplemented, code: "not_implemented", "this operation is not built yet")
}
