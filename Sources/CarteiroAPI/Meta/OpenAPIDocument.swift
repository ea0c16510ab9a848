import Foundation
import Yams

/// `openapi.yaml`, the source of truth the server types are generated from, as compiled into the
/// binary (`.embedInCode`), served as JSON.
enum OpenAPIDocument {
    static var yaml: String { String(decoding: PackageResources.openapi_yaml, as: UTF8.self) }

    static func json() throws -> Data {
        // The core schema reads `2026-01-01` as a string, not a date JSON could not hold.
        let object = try Yams.load(yaml: yaml, Resolver.default.removing(.timestamp))
        return try JSONSerialization.data(withJSONObject: object as Any, options: [.sortedKeys, .withoutEscapingSlashes])
    }
}
