internal import CMongoC

/// A 12-byte MongoDB ObjectId.
public struct BSONObjectID: Sendable, Hashable, Comparable {
    // Twelve bytes kept as two integers, big-endian, so the type hashes and compares without allocating.
    private let high: UInt64
    private let low: UInt32

    /// A new ObjectId from libmongoc's generator (timestamp, per-process random value, counter).
    public init() {
        var oid = bson_oid_t()
        bson_oid_init(&oid, nil)
        self.init(oid)
    }

    /// Parses 24 hexadecimal digits; `nil` for anything else.
    public init?(hex: String) {
        let utf8 = Array(hex.utf8)
        guard utf8.count == 24 else { return nil }
        var bytes = [UInt8](repeating: 0, count: 12)
        for index in 0..<12 {
            guard let high = Self.nibble(utf8[2 * index]), let low = Self.nibble(utf8[2 * index + 1]) else { return nil }
            bytes[index] = high << 4 | low
        }
        self.init(bytes: bytes)
    }

    /// The twelve bytes; `nil` unless there are exactly twelve.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 12 else { return nil }
        self.init(bytes: bytes[...])
    }

    private init(bytes: ArraySlice<UInt8>) {
        var high: UInt64 = 0
        var low: UInt32 = 0
        for (offset, byte) in bytes.enumerated() {
            if offset < 8 {
                high = high << 8 | UInt64(byte)
            } else {
                low = low << 8 | UInt32(byte)
            }
        }
        self.high = high
        self.low = low
    }

    init(_ oid: bson_oid_t) {
        let bytes = withUnsafeBytes(of: oid.bytes) { Array($0) }
        self.init(bytes: bytes[...])
    }

    public var bytes: [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * $0)) } + (0..<4).map { UInt8(truncatingIfNeeded: low >> (24 - 8 * $0)) }
    }

    /// The 24 lowercase hexadecimal digits.
    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        text.reserveCapacity(24)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    var oid: bson_oid_t {
        var oid = bson_oid_t()
        let bytes = self.bytes
        withUnsafeMutableBytes(of: &oid.bytes) { $0.copyBytes(from: bytes) }
        return oid
    }

    public static func < (lhs: BSONObjectID, rhs: BSONObjectID) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }

    private static func nibble(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return character - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

extension BSONObjectID: CustomStringConvertible {
    public var description: String { hex }
}

/// Outside `BSONEncoder`, an ObjectId is coded as its hexadecimal string.
extension BSONObjectID: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let id = BSONObjectID(hex: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an ObjectId: \(text)")
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }
}
