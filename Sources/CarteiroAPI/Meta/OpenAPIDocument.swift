import Foundation
import Yams

/// `openapi.yaml`, the source of truth the server types are generated from, as compiled into the
/// binary (`.embedInCode`), served as JSON.
enum OpenAPIDocument {
    static var yaml: String { String(decoding: PackageResources.openapi_yaml, as: UTF8.self) }

    /// The document as YAML maps and lists (strings, numbers, booleans).
    static func object() throws -> [String: Any] {
        // Without the timestamp rule, `2026-01-01` stays a string, not a date JSON could not hold.
        guard let object = try Yams.load(yaml: yaml, Resolver.default.removing(.timestamp)) as? [String: Any] else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "openapi.yaml is not a map"))
        }
        return object
    }

    static func json() throws -> Data {
        try JSONSerialization.data(withJSONObject: try object(), options: [.sortedKeys, .withoutEscapingSlashes])
    }
}
