import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import OpenAPIRuntime

/// The one shape of every error the API answers: `{"error": {"code", "message", "field"?}}`.
enum ErrorResponse {
    struct Body: Encodable {
        struct Detail: Encodable {
            let code: String
            let message: String
            let field: String?
        }
        let error: Detail
    }

    static func data(_ error: APIError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding three strings cannot fail.
        return (try? encoder.encode(Body(error: .init(code: error.code, message: error.message, field: error.field)))) ?? Data()
    }

    static func headers(for error: APIError) -> HTTPFields {
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if error.status == .unauthorized { headers[.wwwAuthenticate] = #"Bearer realm="carteiro""# }
        return headers
    }

    /// As a Hummingbird response, for the middleware in front of the OpenAPI handlers.
    static func make(_ error: APIError) -> Response {
        let data = data(error)
        return Response(status: error.status, headers: headers(for: error), body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// As an OpenAPI response, for the OpenAPI middleware.
    static func openAPI(_ error: APIError) -> (HTTPResponse, HTTPBody?) {
        (HTTPResponse(status: error.status, headerFields: headers(for: error)), HTTPBody(data(error)))
    }
}
