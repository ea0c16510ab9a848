import Foundation
import HTTPTypes
import OpenAPIRuntime

/// Refuses with 400 a request whose parameters or JSON body break the document's schemas in a
/// way the generated types do not check (see `SchemaValidator`), naming the field. Runs before
/// the generated code decodes anything, so a handler only sees what the document allows.
struct SchemaValidationMiddleware: ServerMiddleware {
    struct Operation: @unchecked Sendable {
        let parameters: [(name: String, location: String, schema: [String: Any])]
        let jsonBody: [String: Any]?
    }

    let validator: SchemaValidator
    let operations: [String: Operation]

    init(document: [String: Any]) {
        validator = SchemaValidator(document: document)
        var operations: [String: Operation] = [:]
        for (_, item) in document["paths"] as? [String: [String: Any]] ?? [:] {
            let shared = item["parameters"] as? [[String: Any]] ?? []
            for (_, value) in item {
                guard let operation = value as? [String: Any], let id = operation["operationId"] as? String else { continue }
                let parameters = (shared + (operation["parameters"] as? [[String: Any]] ?? [])).compactMap { parameter -> (String, String, [String: Any])? in
                    let resolved = Self.resolve(parameter, in: document)
                    guard let name = resolved["name"] as? String, let location = resolved["in"] as? String else { return nil }
                    return (name, location, resolved["schema"] as? [String: Any] ?? [:])
                }
                let body = ((operation["requestBody"] as? [String: Any])?["content"] as? [String: Any])?["application/json"] as? [String: Any]
                operations[id] = Operation(parameters: parameters, jsonBody: body?["schema"] as? [String: Any])
            }
        }
        self.operations = operations
    }

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        guard let operation = operations[operationID] else { return try await next(request, body, metadata) }
        let query = URLComponents(string: request.path ?? "")?.queryItems ?? []
        for parameter in operation.parameters {
            let raw: String?
            switch parameter.location {
            case "query": raw = query.last(where: { $0.name == parameter.name })?.value
            case "path": raw = metadata.pathParameters[parameter.name].map(String.init)?.removingPercentEncoding
            default: raw = nil
            }
            guard let raw else { continue }
            let value: JSONValue
            switch parameter.schema["type"] as? String {
            case "integer", "number":
                guard let number = Double(raw) else { throw APIError.invalid(parameter.name, "must be a number") }
                value = .number(number)
            default: value = .string(raw)
            }
            if let violation = validator.violation(of: parameter.schema, by: value, at: parameter.name) {
                throw APIError.invalid(violation.path, violation.message)
            }
        }
        guard let schema = operation.jsonBody, let body, request.headerFields[.contentType]?.lowercased().hasPrefix("application/json") == true else {
            return try await next(request, body, metadata)
        }
        // The body limit in front of the API bounds what is collected here.
        let bytes = try await [UInt8](collecting: body, upTo: .max)
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
        } catch {
            throw APIError(.badRequest, code: "invalid_body", "the body is not JSON")
        }
        if let violation = validator.violation(of: schema, by: value, at: "") {
            throw APIError.invalid(violation.path.isEmpty ? "body" : violation.path, violation.message)
        }
        return try await next(request, HTTPBody(bytes), metadata)
    }

    private static func resolve(_ parameter: [String: Any], in document: [String: Any]) -> [String: Any] {
        guard let reference = parameter["$ref"] as? String, let name = reference.split(separator: "/").last else { return parameter }
        return ((document["components"] as? [String: Any])?["parameters"] as? [String: Any])?[String(name)] as? [String: Any] ?? parameter
    }
}
