import CarteiroDomain
import Foundation

/// JSON as the embedded store keeps documents: dates as whole milliseconds since 1970, the
/// precision MongoDB's BSON dates have, so both backends give back the same values.
enum StoreCoding {
    static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(milliseconds(date))
        }
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }

    static func makeDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            date(milliseconds: try decoder.singleValueContainer().decode(Int64.self))
        }
        return decoder
    }

    static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
    static func date(milliseconds: Int64) -> Date { Date(timeIntervalSince1970: TimeInterval(milliseconds) / 1000) }
    /// Whether `date` is stored and read back unchanged.
    static func isWholeMilliseconds(_ date: Date) -> Bool { Self.date(milliseconds: milliseconds(date)) == date }
}
