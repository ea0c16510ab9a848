internal import CMongoC
import Foundation

// Conversion between BSONDocument and libbson's bson_t, value by value with bson_append_* and
// bson_iter_*. Pointers handed to the closures below never outlive them.

// libbson aligns bson_t and bson_iter_t to 128 bytes, more than Swift lays out, so both are
// imported as opaque pointers and their storage is allocated here.
private let bsonStorageSize = 128
private let bsonStorageAlignment = 128

/// Storage for one bson_t or bson_iter_t per nesting depth, reused across the siblings at that
/// depth of one conversion. A child bson_t must not move between `…_begin` and `…_end`, which
/// heap slots guarantee.
final class BSONScratch {
    private var slots: [UnsafeMutableRawPointer] = []

    init() {}

    func slot(_ depth: Int) -> OpaquePointer {
        while slots.count <= depth {
            slots.append(UnsafeMutableRawPointer.allocate(byteCount: bsonStorageSize, alignment: bsonStorageAlignment))
        }
        return OpaquePointer(slots[depth])
    }

    deinit {
        for slot in slots { slot.deallocate() }
    }
}

/// Lends an initialized, empty bson_t for a libmongoc out-parameter (which libmongoc
/// reinitializes) and destroys it afterwards.
func withReplyBSON<R, E: Error>(_ body: (OpaquePointer) throws(E) -> R) throws(E) -> R {
    let storage = UnsafeMutableRawPointer.allocate(byteCount: bsonStorageSize, alignment: bsonStorageAlignment)
    let reply = OpaquePointer(storage)
    bson_init(reply)
    defer {
        bson_destroy(reply)
        storage.deallocate()
    }
    return try body(reply)
}

extension BSONDocument {
    /// Reads a bson_t the caller keeps owning.
    init(bson: OpaquePointer, scratch: BSONScratch = BSONScratch()) {
        let iterator = scratch.slot(0)
        guard bson_iter_init(iterator, bson) else {
            self.init()
            return
        }
        self.init(iterator: iterator, depth: 0, scratch: scratch)
    }

    /// Reads every remaining element of an iterator positioned before the first one.
    fileprivate init(iterator: OpaquePointer, depth: Int, scratch: BSONScratch) {
        var keys = [String]()
        var values = [BSON]()
        while bson_iter_next(iterator) {
            let keyLength = Int(bson_iter_key_len(iterator))
            let key = bson_iter_key(iterator).withMemoryRebound(to: UInt8.self, capacity: keyLength) {
                String(decoding: UnsafeBufferPointer(start: $0, count: keyLength), as: UTF8.self)
            }
            keys.append(key)
            values.append(BSON(iterator: iterator, depth: depth, scratch: scratch))
        }
        self.init(uncheckedKeys: keys, values: values)
    }

    /// Lends a freshly built bson_t to `body` and destroys it afterwards.
    func withBSON<R>(_ body: (OpaquePointer) throws(MongoError) -> R) throws(MongoError) -> R {
        guard let bson = bson_new() else { throw MongoError.invalidDocument("bson_new failed") }
        defer { bson_destroy(bson) }
        guard appendElements(to: bson, depth: 0, scratch: BSONScratch()) else {
            throw MongoError.invalidDocument("document is too large or has a key BSON cannot hold")
        }
        return try body(bson)
    }

    /// Appends every element to `bson`; false if libbson refused one (too large, or a NUL in a key).
    fileprivate func appendElements(to bson: OpaquePointer, depth: Int, scratch: BSONScratch) -> Bool {
        var succeeded = true
        for (key, value) in self {
            var key = key
            succeeded =
                key.withUTF8 { keyBytes in
                    keyBytes.withMemoryRebound(to: CChar.self) { keyBytes in
                        value.append(to: bson, key: keyBytes.baseAddress, keyLength: Int32(keyBytes.count), depth: depth, scratch: scratch)
                    }
                } && succeeded
        }
        return succeeded
    }
}

extension [BSON] {
    /// Lends a freshly built BSON array (keys "0", "1", …) to `body` and destroys it afterwards.
    func withBSONArray<R>(_ body: (OpaquePointer) throws(MongoError) -> R) throws(MongoError) -> R {
        guard let bson = bson_new() else { throw MongoError.invalidDocument("bson_new failed") }
        defer { bson_destroy(bson) }
        guard appendElements(to: bson, depth: 0, scratch: BSONScratch()) else {
            throw MongoError.invalidDocument("array is too large for BSON")
        }
        return try body(bson)
    }

    /// Appends the values under keys "0", "1", … as BSON arrays require.
    fileprivate func appendElements(to bson: OpaquePointer, depth: Int, scratch: BSONScratch) -> Bool {
        var succeeded = true
        for (index, value) in enumerated() {
            var key = String(index)
            succeeded =
                key.withUTF8 { keyBytes in
                    keyBytes.withMemoryRebound(to: CChar.self) { keyBytes in
                        value.append(to: bson, key: keyBytes.baseAddress, keyLength: Int32(keyBytes.count), depth: depth, scratch: scratch)
                    }
                } && succeeded
        }
        return succeeded
    }
}

extension BSON {
    fileprivate init(iterator: OpaquePointer, depth: Int, scratch: BSONScratch) {
        switch bson_iter_type(iterator) {
        case BSON_TYPE_DOUBLE:
            self = .double(bson_iter_double(iterator))
        case BSON_TYPE_UTF8:
            var length: UInt32 = 0
            let text = bson_iter_utf8(iterator, &length)
            self = .string(Self.string(text, length: length))
        case BSON_TYPE_DOCUMENT:
            let child = scratch.slot(depth + 1)
            if bson_iter_recurse(iterator, child) {
                self = .document(BSONDocument(iterator: child, depth: depth + 1, scratch: scratch))
            } else {
                self = .document(BSONDocument())
            }
        case BSON_TYPE_ARRAY:
            let child = scratch.slot(depth + 1)
            var elements = [BSON]()
            if bson_iter_recurse(iterator, child) {
                while bson_iter_next(child) {
                    elements.append(BSON(iterator: child, depth: depth + 1, scratch: scratch))
                }
            }
            self = .array(elements)
        case BSON_TYPE_BINARY:
            var subtype = BSON_SUBTYPE_BINARY
            var length: UInt32 = 0
            var bytes: UnsafePointer<UInt8>? = nil
            bson_iter_binary(iterator, &subtype, &length, &bytes)
            self = .binary(bytes.map { Array(UnsafeBufferPointer(start: $0, count: Int(length))) } ?? [])
        case BSON_TYPE_OID:
            self = .objectID(BSONObjectID(bson_iter_oid(iterator).pointee))
        case BSON_TYPE_BOOL:
            self = .bool(bson_iter_bool(iterator))
        case BSON_TYPE_DATE_TIME:
            self = .datetime(Date(bsonMilliseconds: bson_iter_date_time(iterator)))
        case BSON_TYPE_INT32:
            self = .int32(bson_iter_int32(iterator))
        case BSON_TYPE_INT64:
            self = .int64(bson_iter_int64(iterator))
        case BSON_TYPE_TIMESTAMP:
            var seconds: UInt32 = 0
            var increment: UInt32 = 0
            bson_iter_timestamp(iterator, &seconds, &increment)
            self = .int64(Int64(seconds) << 32 | Int64(increment))
        case BSON_TYPE_DECIMAL128:
            var decimal = bson_decimal128_t()
            bson_iter_decimal128(iterator, &decimal)
            var text = [CChar](repeating: 0, count: Int(BSON_DECIMAL128_STRING))
            bson_decimal128_to_string(&decimal, &text)
            self = .string(String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        case BSON_TYPE_REGEX:
            var options: UnsafePointer<CChar>? = nil
            let pattern = bson_iter_regex(iterator, &options)
            self = .string("/" + (pattern.map { String(cString: $0) } ?? "") + "/" + (options.map { String(cString: $0) } ?? ""))
        case BSON_TYPE_SYMBOL:
            var length: UInt32 = 0
            self = .string(Self.string(bson_iter_symbol(iterator, &length), length: length))
        case BSON_TYPE_CODE:
            var length: UInt32 = 0
            self = .string(Self.string(bson_iter_code(iterator, &length), length: length))
        case BSON_TYPE_CODEWSCOPE:
            var length: UInt32 = 0
            var scopeLength: UInt32 = 0
            var scope: UnsafePointer<UInt8>? = nil
            self = .string(Self.string(bson_iter_codewscope(iterator, &length, &scopeLength, &scope), length: length))
        default:
            self = .null
        }
    }

    private static func string(_ pointer: UnsafePointer<CChar>?, length: UInt32) -> String {
        guard let pointer else { return "" }
        return pointer.withMemoryRebound(to: UInt8.self, capacity: Int(length)) {
            String(decoding: UnsafeBufferPointer(start: $0, count: Int(length)), as: UTF8.self)
        }
    }

    /// Appends this value under `key`; false if libbson refused it.
    fileprivate func append(to bson: OpaquePointer, key: UnsafePointer<CChar>?, keyLength: Int32, depth: Int, scratch: BSONScratch) -> Bool {
        switch self {
        case .double(let value):
            return bson_append_double(bson, key, keyLength, value)
        case .string(var value):
            return value.withUTF8 { bytes in
                // An empty buffer may have no address, and libbson writes null for a NULL value.
                bytes.withMemoryRebound(to: CChar.self) { bytes in
                    bson_append_utf8(bson, key, keyLength, bytes.baseAddress ?? Self.emptyCString, Int32(bytes.count))
                }
            }
        case .document(let document):
            let child = scratch.slot(depth + 1)
            guard bson_append_document_begin(bson, key, keyLength, child) else { return false }
            let succeeded = document.appendElements(to: child, depth: depth + 1, scratch: scratch)
            return bson_append_document_end(bson, child) && succeeded
        case .array(let values):
            let child = scratch.slot(depth + 1)
            guard bson_append_array_begin(bson, key, keyLength, child) else { return false }
            let succeeded = values.appendElements(to: child, depth: depth + 1, scratch: scratch)
            return bson_append_array_end(bson, child) && succeeded
        case .binary(let bytes):
            return bytes.withUnsafeBufferPointer { buffer in
                bson_append_binary(bson, key, keyLength, BSON_SUBTYPE_BINARY, buffer.baseAddress ?? Self.emptyBytes, UInt32(buffer.count))
            }
        case .objectID(let id):
            var oid = id.oid
            return bson_append_oid(bson, key, keyLength, &oid)
        case .bool(let value):
            return bson_append_bool(bson, key, keyLength, value)
        case .datetime(let date):
            return bson_append_date_time(bson, key, keyLength, date.bsonMilliseconds)
        case .null:
            return bson_append_null(bson, key, keyLength)
        case .int32(let value):
            return bson_append_int32(bson, key, keyLength, value)
        case .int64(let value):
            return bson_append_int64(bson, key, keyLength, value)
        }
    }

    private static var emptyBytes: UnsafePointer<UInt8> {
        ("" as StaticString).utf8Start
    }

    private static var emptyCString: UnsafePointer<CChar> {
        UnsafeRawPointer(emptyBytes).assumingMemoryBound(to: CChar.self)
    }
}

extension Date {
    /// Milliseconds since the epoch, rounded to the nearest so that a date read from BSON
    /// converts back to the same millisecond despite floating-point error.
    var bsonMilliseconds: Int64 {
        Int64((timeIntervalSince1970 * 1000).rounded())
    }

    init(bsonMilliseconds milliseconds: Int64) {
        self.init(timeIntervalSince1970: Double(milliseconds) / 1000)
    }
}
