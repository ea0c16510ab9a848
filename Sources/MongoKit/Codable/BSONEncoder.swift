import Foundation

/// Encodes `Encodable` values into BSON documents.
///
/// `Date` becomes a BSON datetime (milliseconds), `UUID` its string, `Data` binary,
/// `BSONObjectID` an ObjectId, `Int` an `int64`; `nil` optionals are left out.
public struct BSONEncoder: Sendable {
    public init() {}

    /// Encodes a value that encodes as a keyed container (a struct, class or `[String: X]`).
    public func encode<T: Encodable>(_ value: T) throws -> BSONDocument {
        guard case .document(let document) = try encodeValue(value) else {
            throw EncodingError.invalidValue(
                value, EncodingError.Context(codingPath: [], debugDescription: "\(T.self) does not encode as a BSON document"))
        }
        return document
    }

    /// Encodes any value, including ones that encode as a single value or a list.
    public func encodeValue<T: Encodable>(_ value: T) throws -> BSON {
        try EncodedSlot.make(value, codingPath: []).materialized()
    }
}

/// An encoded value still being built: containers are shared references until the encoding ends.
private enum EncodedSlot {
    case value(BSON)
    case document(DocumentBuffer)
    case array(ArrayBuffer)
    case pending(ValueEncoder)

    static func make<T: Encodable>(_ value: T, codingPath: [any CodingKey]) throws -> EncodedSlot {
        if let special = specialValue(value) { return .value(special) }
        let encoder = ValueEncoder(codingPath: codingPath)
        try value.encode(to: encoder)
        return encoder.slot ?? .value(.document(BSONDocument()))
    }

    /// Foundation types whose own `Encodable` conformance is not what BSON wants.
    private static func specialValue(_ value: some Encodable) -> BSON? {
        switch value {
        case let date as Date: return .datetime(date)
        case let uuid as UUID: return .string(uuid.uuidString)
        case let data as Data: return .binary([UInt8](data))
        case let id as BSONObjectID: return .objectID(id)
        case let url as URL: return .string(url.absoluteString)
        default: return nil
        }
    }

    func materialized() -> BSON {
        switch self {
        case .value(let value):
            return value
        case .document(let buffer):
            return .document(BSONDocument(uncheckedKeys: buffer.keys, values: buffer.slots.map { $0.materialized() }))
        case .array(let buffer):
            return .array(buffer.slots.map { $0.materialized() })
        case .pending(let encoder):
            return encoder.slot?.materialized() ?? .document(BSONDocument())
        }
    }
}

private final class DocumentBuffer {
    var keys: [String] = []
    var slots: [EncodedSlot] = []

    func set(_ key: String, _ slot: EncodedSlot) {
        // Synthesized conformances never repeat a key; hand-written ones may, and the last write wins.
        if let index = keys.lastIndex(of: key) {
            slots[index] = slot
        } else {
            keys.append(key)
            slots.append(slot)
        }
    }
}

private final class ArrayBuffer {
    var slots: [EncodedSlot] = []
}

private final class ValueEncoder: Encoder {
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    var slot: EncodedSlot?

    init(codingPath: [any CodingKey]) {
        self.codingPath = codingPath
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let buffer: DocumentBuffer
        if case .document(let existing) = slot {
            buffer = existing
        } else {
            buffer = DocumentBuffer()
            slot = .document(buffer)
        }
        return KeyedEncodingContainer(KeyedBSONEncodingContainer<Key>(buffer: buffer, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let buffer: ArrayBuffer
        if case .array(let existing) = slot {
            buffer = existing
        } else {
            buffer = ArrayBuffer()
            slot = .array(buffer)
        }
        return UnkeyedBSONEncodingContainer(buffer: buffer, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleValueBSONEncodingContainer(encoder: self)
    }
}

private enum Primitive {
    static func int64<I: FixedWidthInteger>(_ value: I, codingPath: [any CodingKey]) throws -> BSON {
        guard let converted = Int64(exactly: value) else {
            throw EncodingError.invalidValue(
                value, EncodingError.Context(codingPath: codingPath, debugDescription: "\(value) does not fit in a BSON int64"))
        }
        return .int64(converted)
    }
}

private struct KeyedBSONEncodingContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let buffer: DocumentBuffer
    let codingPath: [any CodingKey]

    mutating func encodeNil(forKey key: Key) throws { buffer.set(key.stringValue, .value(.null)) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { buffer.set(key.stringValue, .value(.bool(value))) }
    mutating func encode(_ value: String, forKey key: Key) throws { buffer.set(key.stringValue, .value(.string(value))) }
    mutating func encode(_ value: Double, forKey key: Key) throws { buffer.set(key.stringValue, .value(.double(value))) }
    mutating func encode(_ value: Float, forKey key: Key) throws { buffer.set(key.stringValue, .value(.double(Double(value)))) }
    mutating func encode(_ value: Int, forKey key: Key) throws { buffer.set(key.stringValue, .value(.int64(Int64(value)))) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { buffer.set(key.stringValue, .value(.int32(Int32(value)))) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { buffer.set(key.stringValue, .value(.int32(Int32(value)))) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { buffer.set(key.stringValue, .value(.int32(value))) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { buffer.set(key.stringValue, .value(.int64(value))) }
    mutating func encode(_ value: UInt, forKey key: Key) throws {
        buffer.set(key.stringValue, .value(try Primitive.int64(value, codingPath: codingPath + [key])))
    }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { buffer.set(key.stringValue, .value(.int32(Int32(value)))) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { buffer.set(key.stringValue, .value(.int32(Int32(value)))) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { buffer.set(key.stringValue, .value(.int64(Int64(value)))) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws {
        buffer.set(key.stringValue, .value(try Primitive.int64(value, codingPath: codingPath + [key])))
    }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        buffer.set(key.stringValue, try EncodedSlot.make(value, codingPath: codingPath + [key]))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let nested = DocumentBuffer()
        buffer.set(key.stringValue, .document(nested))
        return KeyedEncodingContainer(KeyedBSONEncodingContainer<NestedKey>(buffer: nested, codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let nested = ArrayBuffer()
        buffer.set(key.stringValue, .array(nested))
        return UnkeyedBSONEncodingContainer(buffer: nested, codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder {
        superEncoder(forKey: Key(stringValue: "super")!)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        let encoder = ValueEncoder(codingPath: codingPath + [key])
        buffer.set(key.stringValue, .pending(encoder))
        return encoder
    }
}

private struct IndexKey: CodingKey {
    let intValue: Int?
    var stringValue: String { String(intValue ?? 0) }

    init(_ index: Int) { intValue = index }
    init?(stringValue: String) { intValue = Int(stringValue) }
    init?(intValue: Int) { self.intValue = intValue }
}

private struct UnkeyedBSONEncodingContainer: UnkeyedEncodingContainer {
    let buffer: ArrayBuffer
    let codingPath: [any CodingKey]
    var count: Int { buffer.slots.count }

    private var nextPath: [any CodingKey] { codingPath + [IndexKey(count)] }

    mutating func encodeNil() throws { buffer.slots.append(.value(.null)) }
    mutating func encode(_ value: Bool) throws { buffer.slots.append(.value(.bool(value))) }
    mutating func encode(_ value: String) throws { buffer.slots.append(.value(.string(value))) }
    mutating func encode(_ value: Double) throws { buffer.slots.append(.value(.double(value))) }
    mutating func encode(_ value: Float) throws { buffer.slots.append(.value(.double(Double(value)))) }
    mutating func encode(_ value: Int) throws { buffer.slots.append(.value(.int64(Int64(value)))) }
    mutating func encode(_ value: Int8) throws { buffer.slots.append(.value(.int32(Int32(value)))) }
    mutating func encode(_ value: Int16) throws { buffer.slots.append(.value(.int32(Int32(value)))) }
    mutating func encode(_ value: Int32) throws { buffer.slots.append(.value(.int32(value))) }
    mutating func encode(_ value: Int64) throws { buffer.slots.append(.value(.int64(value))) }
    mutating func encode(_ value: UInt) throws { buffer.slots.append(.value(try Primitive.int64(value, codingPath: nextPath))) }
    mutating func encode(_ value: UInt8) throws { buffer.slots.append(.value(.int32(Int32(value)))) }
    mutating func encode(_ value: UInt16) throws { buffer.slots.append(.value(.int32(Int32(value)))) }
    mutating func encode(_ value: UInt32) throws { buffer.slots.append(.value(.int64(Int64(value)))) }
    mutating func encode(_ value: UInt64) throws { buffer.slots.append(.value(try Primitive.int64(value, codingPath: nextPath))) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        buffer.slots.append(try EncodedSlot.make(value, codingPath: nextPath))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let nested = DocumentBuffer()
        let path = nextPath
        buffer.slots.append(.document(nested))
        return KeyedEncodingContainer(KeyedBSONEncodingContainer<NestedKey>(buffer: nested, codingPath: path))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let nested = ArrayBuffer()
        let path = nextPath
        buffer.slots.append(.array(nested))
        return UnkeyedBSONEncodingContainer(buffer: nested, codingPath: path)
    }

    mutating func superEncoder() -> any Encoder {
        let encoder = ValueEncoder(codingPath: nextPath)
        buffer.slots.append(.pending(encoder))
        return encoder
    }
}

private struct SingleValueBSONEncodingContainer: SingleValueEncodingContainer {
    let encoder: ValueEncoder
    var codingPath: [any CodingKey] { encoder.codingPath }

    private func store(_ value: BSON) { encoder.slot = .value(value) }

    mutating func encodeNil() throws { store(.null) }
    mutating func encode(_ value: Bool) throws { store(.bool(value)) }
    mutating func encode(_ value: String) throws { store(.string(value)) }
    mutating func encode(_ value: Double) throws { store(.double(value)) }
    mutating func encode(_ value: Float) throws { store(.double(Double(value))) }
    mutating func encode(_ value: Int) throws { store(.int64(Int64(value))) }
    mutating func encode(_ value: Int8) throws { store(.int32(Int32(value))) }
    mutating func encode(_ value: Int16) throws { store(.int32(Int32(value))) }
    mutating func encode(_ value: Int32) throws { store(.int32(value)) }
    mutating func encode(_ value: Int64) throws { store(.int64(value)) }
    mutating func encode(_ value: UInt) throws { store(try Primitive.int64(value, codingPath: codingPath)) }
    mutating func encode(_ value: UInt8) throws { store(.int32(Int32(value))) }
    mutating func encode(_ value: UInt16) throws { store(.int32(Int32(value))) }
    mutating func encode(_ value: UInt32) throws { store(.int64(Int64(value))) }
    mutating func encode(_ value: UInt64) throws { store(try Primitive.int64(value, codingPath: codingPath)) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        encoder.slot = try EncodedSlot.make(value, codingPath: codingPath)
    }
}
