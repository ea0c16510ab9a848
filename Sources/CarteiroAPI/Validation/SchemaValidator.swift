import Foundation
import Synchronization

/// Checks JSON values against the schemas of `openapi.yaml`, for what the generated types do
/// not check (lengths, patterns, bounds, item counts, formats, `oneOf`/`anyOf`): the document
/// stays the one description of what the API takes. The subset of JSON Schema the document
/// uses is supported; an unknown keyword is ignored, as JSON Schema says.
struct SchemaValidator: Sendable {
    /// `components.schemas` of the document.
    let schemas: [String: Schema]
    /// Each pattern compiled once, not once per value checked.
    private let expressions = ExpressionCache()

    /// A schema as parsed from the document (YAML maps and lists).
    final class Schema: @unchecked Sendable {
        let keywords: [String: Any]
        init(_ keywords: [String: Any]) { self.keywords = keywords }
    }

    struct Violation: Error, Sendable {
        let path: String
        let message: String
    }

    init(document: [String: Any]) {
        let components = (document["components"] as? [String: Any])?["schemas"] as? [String: Any] ?? [:]
        schemas = components.compactMapValues { ($0 as? [String: Any]).map(Schema.init) }
    }

    /// The first violation of `schema` by `value`, or nil.
    func violation(of schema: [String: Any], by value: JSONValue, at path: String) -> Violation? {
        if let reference = schema["$ref"] as? String {
            guard let name = reference.split(separator: "/").last, let target = schemas[String(name)] else { return nil }
            // Sibling keywords of a $ref (a description, …) are checked too.
            var merged = target.keywords
            for (key, value) in schema where key != "$ref" { merged[key] = value }
            return violation(of: merged, by: value, at: path)
        }
        if let types = Self.types(schema["type"]), !types.contains(where: { Self.value(value, is: $0) }) {
            return Violation(path: path, message: "must be \(types.joined(separator: " or ")), not \(value.typeName)")
        }
        if let options = schema["enum"] as? [Any], case .string(let text) = value, !options.contains(where: { ($0 as? String) == text }) {
            return Violation(path: path, message: "must be one of \(options.compactMap { $0 as? String }.joined(separator: ", "))")
        }
        if let subschemas = schema["oneOf"] as? [[String: Any]] {
            let passing = subschemas.filter { violation(of: $0, by: value, at: path) == nil }.count
            if passing != 1 { return Violation(path: path, message: passing == 0 ? "matches none of the allowed forms" : "matches more than one allowed form") }
        }
        if let subschemas = schema["anyOf"] as? [[String: Any]], !subschemas.contains(where: { violation(of: $0, by: value, at: path) == nil }) {
            return Violation(path: path, message: (schema["description"] as? String) ?? "matches none of the allowed forms")
        }
        switch value {
        case .string(let text): return stringViolation(schema, text, path)
        case .number(let number): return numberViolation(schema, number, path)
        case .array(let items): return arrayViolation(schema, items, path)
        case .object(let members): return objectViolation(schema, members, path)
        case .null, .bool: return nil
        }
    }

    private func stringViolation(_ schema: [String: Any], _ text: String, _ path: String) -> Violation? {
        let length = text.unicodeScalars.count
        if let minimum = schema["minLength"] as? Int, length < minimum { return Violation(path: path, message: "must be at least \(minimum) characters") }
        if let maximum = schema["maxLength"] as? Int, length > maximum { return Violation(path: path, message: "must be at most \(maximum) characters") }
        if let pattern = schema["pattern"] as? String, !expressions.matches(pattern, text) {
            return Violation(path: path, message: "does not have the expected form (\(pattern))")
        }
        switch schema["format"] as? String {
        case "date" where !RFC3339.isDate(text):
            return Violation(path: path, message: "must be a date, YYYY-MM-DD")
        case "date-time" where Self.dateTime(text) == nil:
            return Violation(path: path, message: "must be a date and time (RFC 3339), for example 2026-12-24T18:00:00Z")
        default: return nil
        }
    }

    private func numberViolation(_ schema: [String: Any], _ number: Double, _ path: String) -> Violation? {
        if let minimum = Self.double(schema["minimum"]), number < minimum { return Violation(path: path, message: "must be at least \(minimum)") }
        if let maximum = Self.double(schema["maximum"]), number > maximum { return Violation(path: path, message: "must be at most \(maximum)") }
        return nil
    }

    private func arrayViolation(_ schema: [String: Any], _ items: [JSONValue], _ path: String) -> Violation? {
        if let minimum = schema["minItems"] as? Int, items.count < minimum { return Violation(path: path, message: "needs at least \(minimum) items") }
        if let maximum = schema["maxItems"] as? Int, items.count > maximum { return Violation(path: path, message: "takes at most \(maximum) items") }
        guard let itemSchema = schema["items"] as? [String: Any] else { return nil }
        for (index, item) in items.enumerated() {
            if let violation = violation(of: itemSchema, by: item, at: Self.join(path, "\(index)")) { return violation }
        }
        return nil
    }

    private func objectViolation(_ schema: [String: Any], _ members: [String: JSONValue], _ path: String) -> Violation? {
        for key in (schema["required"] as? [String] ?? []) where members[key] == nil {
            return Violation(path: Self.join(path, key), message: "is required")
        }
        if let maximum = schema["maxProperties"] as? Int, members.count > maximum {
            return Violation(path: path, message: "takes at most \(maximum) members")
        }
        let properties = schema["properties"] as? [String: Any] ?? [:]
        for (key, member) in members.sorted(by: { $0.key < $1.key }) {
            let memberPath = Self.join(path, key)
            if let names = schema["propertyNames"] as? [String: Any], let violation = violation(of: names, by: .string(key), at: memberPath) {
                return Violation(path: memberPath, message: "is not an allowed name: \(violation.message)")
            }
            if let propertySchema = properties[key] as? [String: Any] {
                if let violation = violation(of: propertySchema, by: member, at: memberPath) { return violation }
            } else if let additional = schema["additionalProperties"] {
                if additional as? Bool == false { return Violation(path: memberPath, message: "is not a known field") }
                if let additional = additional as? [String: Any], let violation = violation(of: additional, by: member, at: memberPath) {
                    return violation
                }
            }
        }
        return nil
    }

    /// RFC 3339 `date-time`, with or without fractional seconds.
    static func dateTime(_ text: String) -> Date? { RFC3339.parseDateTime(text) }

    private static func types(_ value: Any?) -> [String]? {
        if let single = value as? String { return [single] }
        return value as? [String]
    }

    private static func value(_ value: JSONValue, is type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("number", .number), ("string", .string), ("array", .array), ("object", .object): true
        case ("integer", .number(let number)): number.rounded() == number && abs(number) < 9e15
        default: false
        }
    }

    private static func double(_ value: Any?) -> Double? {
        if let integer = value as? Int { return Double(integer) }
        return value as? Double
    }

    private static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
}

/// Compiled regular expressions by pattern, shared by every request.
final class ExpressionCache: Sendable {
    private let compiled = Mutex<[String: NSRegularExpression]>([:])

    /// Whether `pattern` finds a match in `text` (JSON Schema patterns are not anchored).
    func matches(_ pattern: String, _ text: String) -> Bool {
        let expression = compiled.withLock { cache -> NSRegularExpression? in
            if let known = cache[pattern] { return known }
            let made = try? NSRegularExpression(pattern: pattern)
            cache[pattern] = made
            return made
        }
        // A pattern that does not compile checks nothing, as an unknown keyword would not.
        guard let expression else { return true }
        return expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }
}
