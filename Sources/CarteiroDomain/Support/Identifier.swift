public import Foundation
import Synchronization

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
        var generator = IdentifierEntropy()
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

/// The random bits of new identifiers: a SplitMix64 stream shared by the whole process, seeded
/// once from the system. Identifiers need to be unique, not secret (tokens draw from
/// `SystemRandomNumberGenerator`), and asking the kernel for 16 bytes per identifier cost a
/// system call each. SplitMix64 is a bijection of its counter, so one process never draws the same
/// value twice; two processes collide only if their 64-bit seeds do.
struct IdentifierEntropy: RandomNumberGenerator {
    private static let counter: Atomic<UInt64> = {
        var system = SystemRandomNumberGenerator()
        return Atomic(system.next())
    }()

    mutating func next() -> UInt64 {
        var generator = SplitMix64(seed: Self.counter.wrappingAdd(0x9E37_79B9_7F4A_7C15, ordering: .relaxed).newValue)
        return generator.next()
    }
}

enum Identifiers {
    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    static func uuidV7<G: RandomNumberGenerator>(at date: Date, using generator: inout G) -> String {
        let milliseconds = UInt64(max(0, (date.timeIntervalSince1970 * 1000).rounded()))
        // 48 bits of time, then version 7, 12 random bits, variant 10, 62 random bits.
        let high = (milliseconds << 16) | 0x7000 | (generator.next() & 0x0FFF)
        let low = (generator.next() & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        return String(unsafeUninitializedCapacity: 36) { text in
            var cursor = 0
            for position in 0..<32 {
                if position == 8 || position == 12 || position == 16 || position == 20 {
                    text[cursor] = UInt8(ascii: "-")
                    cursor += 1
                }
                let word = position < 16 ? high : low
                text[cursor] = hexDigits[Int((word >> UInt64(60 - 4 * (position % 16))) & 0xF)]
                cursor += 1
            }
            return cursor
        }
    }
}
