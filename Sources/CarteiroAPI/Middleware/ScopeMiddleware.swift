import CarteiroDomain
import HTTPTypes
import OpenAPIRuntime

/// Lets an operation run only for a caller whose token's scope allows it: no token (or an
/// unknown, revoked or expired one) gets 401 with `WWW-Authenticate: Bearer`, a token of
/// another scope 403.
struct ScopeMiddleware: ServerMiddleware {
    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        if OperationScopes.open.contains(operationID) { return try await next(request, body, metadata) }
        guard let token = APICaller.token else { return ErrorResponse.openAPI(.unauthorized) }
        let allowed = OperationScopes.allowed[operationID] ?? []
        guard token.scope.allows(anyOf: allowed) else { return ErrorResponse.openAPI(.forbidden(scope: token.scope, allowed: allowed)) }
        return try await next(request, body, metadata)
    }
}
