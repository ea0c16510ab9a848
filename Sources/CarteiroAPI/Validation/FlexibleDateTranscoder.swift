import Foundation
import OpenAPIRuntime

/// RFC 3339 dates and times with or without fractional seconds, any offset (the runtime's
/// ISO 8601 transcoder takes only one of the two forms, see `RFC3339`); written back in UTC
/// with milliseconds.
struct FlexibleDateTranscoder: DateTranscoder {
    func encode(_ date: Date) throws -> String { Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(date) }

    func decode(_ text: String) throws -> Date {
        guard let date = Self.parse(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "'\(text)' is not a date and time (RFC 3339)"))
        }
        return date
    }

    static func parse(_ text: String) -> Date? { RFC3339.parseDateTime(text) }
}
