/// A contact attribute: a string, a number, a boolean or a calendar date.
///
/// Stored as JSON/BSON the way the API writes it — a string, a number, a boolean, or
/// `{"date": "YYYY-MM-DD"}` — so attributes stored before they were typed (plain strings) read
/// back unchanged as `.string`.
public enum AttributeValue: Hashable, Sendable, Codable, CustomStringConvertible, ExpressibleByStringLiteral {
    case string(String)
    case number(Double)
    case boolean(Bool)
    /// `YYYY-MM-DD`, a valid day of the proleptic Gregorian calendar.
    case date(String)

    /// The type names a CSV column may carry (`age:number`).
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        case string, number, boolean, date
    }

    public init(stringLiteral value: String) { self = .string(value) }

    public var kind: Kind {
        switch self {
        case .string: .string
        case .number: .number
        case .boolean: .boolean
        case .date: .date
        }
    }

    /// A date attribute, once `text` is checked to be a real `YYYY-MM-DD` day.
    public static func date(checking text: String, field: String = "date") throws(ValidationError) -> AttributeValue {
        guard Self.isCalendarDate(text) else { throw ValidationError(field: field, reason: "'\(text)' is not a date written YYYY-MM-DD") }
        return .date(text)
    }

    /// A number attribute; NaN and infinities are refused (JSON cannot hold them).
    public static func number(checking value: Double, field: String = "number") throws(ValidationError) -> AttributeValue {
        guard value.isFinite else { throw ValidationError(field: field, reason: "must be a finite number") }
        return .number(value)
    }

    /// Reads a CSV cell as a value of `kind`, as `csvText` writes it.
    public init(csvText text: String, as kind: Kind, field: String) throws(ValidationError) {
        switch kind {
        case .string:
            self = .string(text)
        case .number:
            guard let value = Double(text.trimmingWhitespace()), value.isFinite else {
                throw ValidationError(field: field, reason: "'\(text)' is not a number")
            }
            self = .number(value)
        case .boolean:
            switch text.trimmingWhitespace().lowercased() {
            case "true": self = .boolean(true)
            case "false": self = .boolean(false)
            default: throw ValidationError(field: field, reason: "'\(text)' is not true or false")
            }
        case .date:
            self = try Self.date(checking: text.trimmingWhitespace(), field: field)
        }
    }

    /// The value as a CSV cell and a template variable: `31`, `0.5`, `true`, `2026-03-01`.
    public var csvText: String {
        switch self {
        case .string(let text): text
        case .number(let value):
            if value == value.rounded(), abs(value) < 1e15 { String(Int64(value)) } else { "\(value)" }
        case .boolean(let value): value ? "true" : "false"
        case .date(let text): text
        }
    }

    public var description: String { csvText }

    private enum DateKey: String, CodingKey { case date }

    public init(from decoder: any Decoder) throws {
        if let single = try? decoder.singleValueContainer() {
            if let text = try? single.decode(String.self) {
                self = .string(text)
                return
            }
            if let value = try? single.decode(Bool.self) {
                self = .boolean(value)
                return
            }
            if let value = try? single.decode(Double.self) {
                self = .number(value)
                return
            }
        }
        let keyed = try decoder.container(keyedBy: DateKey.self)
        let text = try keyed.decode(String.self, forKey: .date)
        do throws(ValidationError) {
            self = try Self.date(checking: text)
        } catch {
            throw DecodingError.dataCorruptedError(forKey: .date, in: keyed, debugDescription: error.reason)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .string(let text):
            var container = encoder.singleValueContainer()
            try container.encode(text)
        case .number(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .boolean(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .date(let text):
            var container = encoder.container(keyedBy: DateKey.self)
            try container.encode(text, forKey: .date)
        }
    }

    static func isCalendarDate(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return false }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in bytes[range] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), year >= 1, (1...12).contains(month) else {
            return false
        }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        return (1...days).contains(day)
    }
}
