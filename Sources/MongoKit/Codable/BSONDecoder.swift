import Foundation

/// Decodes `Decodable` values from BSON documents.
///
/// Numbers convert between `int32`, `int64` and `double` whenever no information is lost;
/// a missing key or `null` decodes as `nil`; `Date` reads a BSON datetime, `UUID` a string
/// (or 16 bytes of binary), `Data` and `[UInt8]` binary.
public struct BSONDecoder: Sendable {
    public init() {}

    public func decode<T: Decodable>(_ type: T.Type, from document: BSONDocument) throws -> T {
        try Unboxer.unbox(.document(document), as: type, codingPath: [])
    }

    /// Decodes any value, including ones stored as a single value or a list.
    public func decodeValue<T: Decodable>(_ type: T.Type, from value: BSON) throws -> T {
        try Unboxer.unbox(value, as: type, codingPath: [])
    }
}

private enum Unboxer {
    static func unbox<T: Decodable>(_ value: BSON, as type: T.Type, codingPath: [any CodingKey]) throws -> T {
        if let special = try specialValue(value, as: type, codingPath: codingPath) { return special }
        return try T(from: ValueDecoder(value: value, codingPath: codingPath))
    }

    /// Foundation types whose own `Decodable` conformance does not read what BSONEncoder writes.
    private static func specialValue<T>(_ value: BSON, as type: T.Type, codingPath: [any CodingKey]) throws -> T? {
        if type == Date.self {
            guard case .datetime(let date) = value else { throw mismatch(type, value, codingPath) }
            return date as? T
        }
        if type == UUID.self {
            switch value {
            case .string(let text):
                guard let uuid = UUID(uuidString: text) else {
                    throw DecodingError.dataCorrupted(DecodingError.Context(codingPath: codingPath, debugDescription: "not a UUID: \(text)"))
                }
                return uuid as? T
            case .binary(let bytes) where bytes.count == 16:
                let uuid = UUID(
                    uuid: (
                        bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                        bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
                    ))
                return uuid as? T
            default:
                throw mismatch(type, value, codingPath)
            }
        }
        if type == Data.self {
            return Data(try bytes(value, as: type, codingPath: codingPath)) as? T
        }
        if type == [UInt8].self, case .binary(let bytes) = value {
            return bytes as? T
        }
        if type == BSONObjectID.self {
            switch value {
            case .objectID(let id): return id as? T
            case .string(let text):
                guard let id = BSONObjectID(hex: text) else { throw mismatch(type, value, codingPath) }
                return id as? T
            default: throw mismatch(type, value, codingPath)
            }
        }
        if type == URL.self {
            guard case .string(let text) = value, let url = URL(string: text) else { throw mismatch(type, value, codingPath) }
            return url as? T
        }
        return nil
    }

    private static func bytes(_ value: BSON, as type: Any.Type, codingPath: [any CodingKey]) throws -> [UInt8] {
        switch value {
        case .binary(let bytes):
            return bytes
        case .array(let elements):
            return try elements.map { element in
                guard let byte = element.int64Value.flatMap({ UInt8(exactly: $0) }) else { throw mismatch(type, value, codingPath) }
                return byte
            }
        default:
            throw mismatch(type, value, codingPath)
        }
    }

    static func bool(_ value: BSON, codingPath: [any CodingKey]) throws -> Bool {
        guard case .bool(let bool) = value else { throw mismatch(Bool.self, value, codingPath) }
        return bool
    }

    static func string(_ value: BSON, codingPath: [any CodingKey]) throws -> String {
        guard case .string(let string) = value else { throw mismatch(String.self, value, codingPath) }
        return string
    }

    static func double(_ value: BSON, codingPath: [any CodingKey]) throws -> Double {
        guard let double = value.doubleValue else { throw mismatch(Double.self, value, codingPath) }
        return double
    }

    static func integer<I: FixedWidthInteger>(_ value: BSON, as type: I.Type, codingPath: [any CodingKey]) throws -> I {
        guard let integer = value.int64Value.flatMap({ I(exactly: $0) }) else { throw mismatch(type, value, codingPath) }
        return integer
    }

    static func mismatch(_ type: Any.Type, _ value: BSON, _ codingPath: [any CodingKey]) -> DecodingError {
        DecodingError.typeMismatch(type, DecodingError.Context(codingPath: codingPath, debugDescription: "cannot read \(type) from \(value)"))
    }
}

private struct ValueDecoder: Decoder {
    let value: BSON
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .document(let document) = value else { throw Unboxer.mismatch(BSONDocument.self, value, codingPath) }
        return KeyedDecodingContainer(KeyedBSONDecodingContainer<Key>(document: document, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        switch value {
        case .array(let elements):
            return UnkeyedBSONDecodingContainer(elements: elements, codingPath: codingPath)
        case .binary(let bytes):
            return UnkeyedBSONDecodingContainer(elements: bytes.map { .int32(Int32($0)) }, codingPath: codingPath)
        default:
            throw Unboxer.mismatch([BSON].self, value, codingPath)
        }
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        SingleValueBSONDecodingContainer(value: value, codingPath: codingPath)
    }
}

private struct KeyedBSONDecodingContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let document: BSONDocument
    let codingPath: [any CodingKey]

    var allKeys: [Key] { document.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { document.contains(key: key.stringValue) }

    private func value(_ key: Key) throws -> BSON {
        guard let value = document[key.stringValue] else {
            throw DecodingError.keyNotFound(
                key, DecodingError.Context(codingPath: codingPath, debugDescription: "no value for \"\(key.stringValue)\""))
        }
        return value
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        guard let value = document[key.stringValue] else { return true }
        return value.isNull
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try Unboxer.bool(value(key), codingPath: codingPath + [key]) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try Unboxer.string(value(key), codingPath: codingPath + [key]) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try Unboxer.double(value(key), codingPath: codingPath + [key]) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { Float(try Unboxer.double(value(key), codingPath: codingPath + [key])) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try integer(key) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try integer(key) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try integer(key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try integer(key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try integer(key) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try integer(key) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try integer(key) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try integer(key) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try integer(key) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try integer(key) }

    private func integer<I: FixedWidthInteger>(_ key: Key) throws -> I {
        try Unboxer.integer(value(key), as: I.self, codingPath: codingPath + [key])
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try Unboxer.unbox(value(key), as: type, codingPath: codingPath + [key])
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try ValueDecoder(value: value(key), codingPath: codingPath + [key]).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try ValueDecoder(value: value(key), codingPath: codingPath + [key]).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        ValueDecoder(value: document["super"] ?? .null, codingPath: codingPath)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        ValueDecoder(value: document[key.stringValue] ?? .null, codingPath: codingPath + [key])
    }
}

private struct ElementKey: CodingKey {
    let intValue: Int?
    var stringValue: String { String(intValue ?? 0) }

    init(_ index: Int) { intValue = index }
    init?(stringValue: String) { intValue = Int(stringValue) }
    init?(intValue: Int) { self.intValue = intValue }
}

private struct UnkeyedBSONDecodingContainer: UnkeyedDecodingContainer {
    let elements: [BSON]
    let codingPath: [any CodingKey]
    private(set) var currentIndex = 0

    init(elements: [BSON], codingPath: [any CodingKey]) {
        self.elements = elements
        self.codingPath = codingPath
    }

    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    private var path: [any CodingKey] { codingPath + [ElementKey(currentIndex)] }

    private mutating func next(_ type: Any.Type) throws -> BSON {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(type, DecodingError.Context(codingPath: path, debugDescription: "no more elements"))
        }
        defer { currentIndex += 1 }
        return elements[currentIndex]
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, elements[currentIndex].isNull else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { let path = self.path; return try Unboxer.bool(next(type), codingPath: path) }
    mutating func decode(_ type: String.Type) throws -> String { let path = self.path; return try Unboxer.string(next(type), codingPath: path) }
    mutating func decode(_ type: Double.Type) throws -> Double { let path = self.path; return try Unboxer.double(next(type), codingPath: path) }
    mutating func decode(_ type: Float.Type) throws -> Float { let path = self.path; return Float(try Unboxer.double(next(type), codingPath: path)) }
    mutating func decode(_ type: Int.Type) throws -> Int { try integer() }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try integer() }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try integer() }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try integer() }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try integer() }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try integer() }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try integer() }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try integer() }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try integer() }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try integer() }

    private mutating func integer<I: FixedWidthInteger>() throws -> I {
        let path = self.path
        return try Unboxer.integer(next(I.self), as: I.self, codingPath: path)
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let path = self.path
        return try Unboxer.unbox(next(type), as: type, codingPath: path)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let path = self.path
        return try ValueDecoder(value: next(BSONDocument.self), codingPath: path).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let path = self.path
        return try ValueDecoder(value: next([BSON].self), codingPath: path).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder {
        let path = self.path
        return ValueDecoder(value: try next(BSON.self), codingPath: path)
    }
}

private struct SingleValueBSONDecodingContainer: SingleValueDecodingContainer {
    let value: BSON
    let codingPath: [any CodingKey]

    func decodeNil() -> Bool { value.isNull }
    func decode(_ type: Bool.Type) throws -> Bool { try Unboxer.bool(value, codingPath: codingPath) }
    func decode(_ type: String.Type) throws -> String { try Unboxer.string(value, codingPath: codingPath) }
    func decode(_ type: Double.Type) throws -> Double { try Unboxer.double(value, codingPath: codingPath) }
    func decode(_ type: Float.Type) throws -> Float { Float(try Unboxer.double(value, codingPath: codingPath)) }
    func decode(_ type: Int.Type) throws -> Int { try Unboxer.integer(value, as: type, codingPath: codingPath) }
    func decode(_ type: Int8.Type) throws -> Int8 { try Unboxer.integer(value, as: type, codingPath: codingPath) }
    func decode(_ type: Int16.Type) throws -> Int16 { try Unboxer.integer(value, as: type, codingPath: codingPath) }
    func decode(_ type: Int32.Type) throws -> Int32 { try Unboxer.integer(value, as: type, codingPath: codingPath) }
    func decode(_ type: Int64.Type) throws -> Int64 { try Unboxer.integer(value, as: type, codingPath: codingPath) }
    func decode(_ type: UInt.Type) throws -> UInt { try Unboxer.integer(value, as: type, codingPath: codingPath) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try Unboxer.integer(value, as: type, codingPath: codingPath) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try Unboxer.integer(value, as: type, codingPath: codingPath) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try Unboxer.integer(value, as: type, codingPath: codingPath) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try Unboxer.integer(value, as: type, codingPath: codingPath) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try Unboxer.unbox(value, as: type, codingPath: codingPath)
    }
}
