import CarteiroDomain
import Foundation
import HTTPTypes
import Logging
import OpenAPIRuntime

/// Turns whatever an operation threw into the API's error shape: the caller's mistakes (a body
/// or parameter the document refuses, a value the domain refuses, a state that forbids the
/// change) into 4xx; a store that does not answer into 503; anything else into 500, logged with
/// an id the caller sees (a 500 is always a bug).
struct ErrorMiddleware: ServerMiddleware {
    let logger: Logger

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        do {
            return try await next(request, body, metadata)
        } catch {
            return ErrorResponse.openAPI(apiError(for: error, operationID: operationID))
        }
    }

    func apiError(for error: any Error, operationID: String) -> APIError {
        // The runtime wraps what the handler, or the decoding before it, threw.
        let cause = (error as? ServerError)?.underlyingError ?? error
        switch cause {
        case let error as APIError: return error
        case let error as BodyTooLarge: return .tooLarge(limit: error.limit)
        case let error as ValidationError: return APIError(error)
        case let error as TransitionError: return APIError(error)
        case let error as StoreError:
            if let mapped = APIError(error) { return mapped }
            if error.isTransient {
                logger.warning("store unavailable in \(operationID): \(error)")
                return APIError(.serviceUnavailable, code: "unavailable", "the store does not answer; try again")
            }
            return internalError(error, operationID: operationID)
        case let error as DecodingError: return Self.badRequest(error)
        default:
            // The runtime's own errors (a missing parameter, a content type the operation does
            // not take, a value of the wrong type) are the caller's; the runtime names them in
            // `causeDescription`, and its error types are internal to it.
            if let serverError = error as? ServerError, String(reflecting: type(of: cause)).hasPrefix("OpenAPIRuntime.") {
                return .badRequest(serverError.causeDescription)
            }
            return internalError(cause, operationID: operationID)
        }
    }

    private func internalError(_ error: any Error, operationID: String) -> APIError {
        let id = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        logger.error("internal error \(id) in \(operationID): \(String(reflecting: error))")
        return APIError(.internalServerError, code: "internal", "internal error \(id); the server log has the details")
    }

    static func badRequest(_ error: DecodingError) -> APIError {
        let (context, what): (DecodingError.Context, String) =
            switch error {
            case .typeMismatch(let type, let context): (context, "expected \(type)")
            case .valueNotFound(let type, let context): (context, "missing \(type)")
            case .keyNotFound(let key, let context): (context, "missing field \(key.stringValue)")
            case .dataCorrupted(let context): (context, context.debugDescription)
            @unknown default: (DecodingError.Context(codingPath: [], debugDescription: ""), "\(error)")
            }
        let field = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        let message = what == context.debugDescription || context.debugDescription.isEmpty ? what : "\(what): \(context.debugDescription)"
        return APIError(.badRequest, code: "invalid_body", message, field: field.isEmpty ? nil : field)
    }
}
