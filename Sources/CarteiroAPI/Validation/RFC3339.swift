import Foundation

/// RFC 3339 dates and times, any year from 0000 to 9999 on the proleptic Gregorian calendar (as
/// RFC 3339 says), with any offset and any number of fractional digits. Foundation's parsers
/// switch to the Julian calendar before 1582 and refuse some offsets.
enum RFC3339 {
    private static let dateTime =
        #"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:([Zz])|([+-])(\d{2}):(\d{2}))$"#
    private static let date = #"^(\d{4})-(\d{2})-(\d{2})$"#

    static func parseDateTime(_ text: String) -> Date? {
        guard let groups = groups(of: dateTime, in: text) else { return nil }
        guard let year = Int(groups[0]), let month = Int(groups[1]), let day = Int(groups[2]), let hour = Int(groups[3]),
            let minute = Int(groups[4]), let second = Int(groups[5])
        else { return nil }
        guard isValidDate(year: year, month: month, day: day), hour < 24, minute < 60, second <= 60 else { return nil }
        let fraction = groups[6].isEmpty ? 0 : Double("0" + groups[6]) ?? 0
        var offset = 0
        if groups[7].isEmpty {
            guard let offsetHours = Int(groups[9]), let offsetMinutes = Int(groups[10]), offsetHours < 24, offsetMinutes < 60 else { return nil }
            offset = (offsetHours * 3600 + offsetMinutes * 60) * (groups[8] == "-" ? -1 : 1)
        }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = Double(days * 86_400 + hour * 3600 + minute * 60 + min(second, 59) - offset) + fraction
        return Date(timeIntervalSince1970: seconds)
    }

    static func isDate(_ text: String) -> Bool {
        guard let groups = groups(of: date, in: text), let year = Int(groups[0]), let month = Int(groups[1]), let day = Int(groups[2]) else {
            return false
        }
        return isValidDate(year: year, month: month, day: day)
    }

    private static func isValidDate(year: Int, month: Int, day: Int) -> Bool {
        guard (1...12).contains(month), day >= 1 else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return day <= lengths[month - 1]
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func groups(of pattern: String, in text: String) -> [String]? {
        guard let expression = try? NSRegularExpression(pattern: pattern),
            let match = expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text))
        else { return nil }
        return (1..<match.numberOfRanges).map { index in
            Range(match.range(at: index), in: text).map { String(text[$0]) } ?? ""
        }
    }
}
