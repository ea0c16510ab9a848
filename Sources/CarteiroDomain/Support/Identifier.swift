public import Foundation

/// A typed, time-ordered identifier.
///
/// New identifiers are UUIDv7 strings: their lexicographic order is their creation order, so the
/// primary index doubles as a stable paging order and new rows land at the end of B-trees.
public struct Identifier<Owner>: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    public init<G: RandomNumberGenerator>(at date: Date = Date(), using generator: inout G) {
        self.rawValue = Identifiers.uuidV7(at: date, using: &generator)
    }

    public init(at date: Date = Date()) {
        var generator = SystemRandomNumberGenerator()
        self.init(at: date, using: &generator)
    }

    public var description: String { rawValue }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        self.rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

enum Identifiers {
    private static let hexDigits = Array("0123456789abcdef".utf8)

    static func uuidV7<G: RandomNumberGenerator>(at date: Date, using generator: inout G) -> String {
        let milliseconds = UInt64(max(0, (date.timeIntervalSince1970 * 1000).rounded()))
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in 0..<6 { bytes[index] = UInt8(truncatingIfNeeded: milliseconds >> (8 * (5 - index))) }
        var random = generator.next() as UInt64
        var random2 = generator.next() as UInt64
        for index in 6..<16 {
            if index < 14 {
                bytes[index] = UInt8(truncatingIfNeeded: random); random >>= 8
            } else {
                bytes[index] = UInt8(truncatingIfNeeded: random2); random2 >>= 8
            }
        }
        bytes[6] = (bytes[6] & 0x0F) | 0x70
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        var text = [UInt8]()
        text.reserveCapacity(36)
        for (index, byte) in bytes.enumerated() {
            if index == 4 || index == 6 || index == 8 || index == 10 { text.append(UInt8(ascii: "-")) }
            text.append(hexDigits[Int(byte >> 4)])
            text.append(hexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
