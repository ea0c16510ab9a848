public import Foundation

/// One BSON value, as MongoKit reads and writes it.
///
/// BSON types outside these cases are read lossily (see `BSONDocument+CBSON.swift`):
/// timestamps become `int64`, decimal128, regular expressions, symbols and JavaScript code become
/// `string`, and undefined, DBPointer, MinKey and MaxKey become `null`.
public enum BSON: Sendable, Hashable {
    case double(Double)
    case string(String)
    case document(BSONDocument)
    case array([BSON])
    case binary([UInt8])
    case objectID(BSONObjectID)
    case bool(Bool)
    /// A UTC datetime; BSON keeps milliseconds, so finer precision is dropped when written.
    case datetime(Date)
    case null
    case int32(Int32)
    case int64(Int64)
}

extension BSON {
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The value as an `Int64` when it is an integer of either width, or a double holding an integer exactly.
    public var int64Value: Int64? {
        switch self {
        case .int32(let value): return Int64(value)
        case .int64(let value): return value
        case .double(let value): return Int64(exactly: value)
        default: return nil
        }
    }

    /// The value as an `Int` under the same rules as `int64Value`.
    public var intValue: Int? {
        int64Value.flatMap { Int(exactly: $0) }
    }

    /// The value as a `Double` when it is a double, or an integer that a double holds exactly.
    public var doubleValue: Double? {
        switch self {
        case .double(let value): return value
        case .int32(let value): return Double(value)
        case .int64(let value): return Double(exactly: value)
        default: return nil
        }
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    public var dateValue: Date? {
        if case .datetime(let value) = self { return value }
        return nil
    }

    public var documentValue: BSONDocument? {
        if case .document(let value) = self { return value }
        return nil
    }

    public var arrayValue: [BSON]? {
        if case .array(let value) = self { return value }
        return nil
    }

    public var binaryValue: [UInt8]? {
        if case .binary(let value) = self { return value }
        return nil
    }

    public var objectIDValue: BSONObjectID? {
        if case .objectID(let value) = self { return value }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }
}

extension BSON: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) {
        self = .string(value)
    }
}

extension BSON: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int64) {
        self = .int64(value)
    }
}

extension BSON: ExpressibleByFloatLiteral {
    public init(floatLiteral value: Double) {
        self = .double(value)
    }
}

extension BSON: ExpressibleByBooleanLiteral {
    public init(booleanLiteral value: Bool) {
        self = .bool(value)
    }
}

extension BSON: ExpressibleByArrayLiteral {
    public init(arrayLiteral elements: BSON...) {
        self = .array(elements)
    }
}

extension BSON: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, BSON)...) {
        self = .document(BSONDocument(elements))
    }
}

extension BSON: ExpressibleByNilLiteral {
    public init(nilLiteral: ()) {
        self = .null
    }
}

extension BSON: CustomStringConvertible {
    public var description: String {
        switch self {
        case .double(let value): return "\(value)"
        case .string(let value): return "\"\(value)\""
        case .document(let value): return value.description
        case .array(let value): return "[" + value.map(\.description).joined(separator: ", ") + "]"
        case .binary(let value): return "Binary(\(value.count) bytes)"
        case .objectID(let value): return "ObjectId(\"\(value.hex)\")"
        case .bool(let value): return "\(value)"
        case .datetime(let value): return "Date(\(value.bsonMilliseconds))"
        case .null: return "null"
        case .int32(let value): return "\(value)"
        case .int64(let value): return "\(value)"
        }
    }
}
