import Foundation

/// RFC 5322 §3.3 dates: formatting (always `+0000`) and lenient parsing of what real MTAs write
/// (obsolete zones, two-digit years, asctime order, comments, missing seconds).
enum RFC5322Date {
    private static let dayNames = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]
    private static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func format(_ date: Date) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = Int(seconds - days * 86_400)
        let (year, month, day) = civil(fromDays: days)
        let weekday = dayNames[Int(((days % 7) + 7) % 7)]
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return
            "\(weekday), \(two(day)) \(monthNames[month - 1]) \(year) \(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60)) +0000"
    }

    // Howard Hinnant's days_from_civil / civil_from_days: exact for the proleptic Gregorian calendar.
    static func days(fromCivil year: Int, _ month: Int, _ day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let m = Int64(month)
        let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civil(fromDays days: Int64) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = Int(dayOfYear - (153 * mp + 2) / 5 + 1)
        let month = Int(mp < 10 ? mp + 3 : mp - 9)
        let year = Int(yearOfEra + era * 400) + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    private static let zoneOffsets: [String: Int] = [
        "UT": 0, "UTC": 0, "GMT": 0, "Z": 0, "WET": 0, "EST": -5 * 60, "EDT": -4 * 60, "CST": -6 * 60, "CDT": -5 * 60,
        "MST": -7 * 60, "MDT": -6 * 60, "PST": -8 * 60, "PDT": -7 * 60, "CET": 60, "CEST": 120, "MET": 60, "MEST": 120,
        "BST": 60, "EET": 120, "EEST": 180, "JST": 540, "KST": 540, "HKT": 480, "SGT": 480, "AEST": 600, "AEDT": 660,
        "WEST": 60, "MSK": 180, "NZST": 720, "NZDT": 780, "HST": -600, "AKST": -540, "AKDT": -480,
    ]

    /// Parses a date header leniently; nil when no day, month, year and time can be found.
    static func parse(_ value: String) -> Date? {
        var tokens: [Substring] = []
        var depth = 0
        var start: String.Index?
        var index = value.startIndex
        // Split at whitespace and commas, dropping (comments).
        while index < value.endIndex {
            let character = value[index]
            if character == "(" {
                if let begun = start { tokens.append(value[begun..<index]); start = nil }
                depth += 1
            } else if character == ")" {
                depth = max(0, depth - 1)
            } else if depth == 0 {
                if character == " " || character == "\t" || character == "," || character == "\r" || character == "\n" {
                    if let begun = start { tokens.append(value[begun..<index]); start = nil }
                } else if start == nil {
                    start = index
                }
            }
            index = value.index(after: index)
        }
        if let begun = start, depth == 0 { tokens.append(value[begun...]) }

        var day: Int?
        var month: Int?
        var year: Int?
        var time: (Int, Int, Int)?
        var offsetMinutes: Int?
        for token in tokens.prefix(12) {
            if token.contains(":"), time == nil {
                var clock = token
                // "10:00:00+0900" or "10:00:00Z"
                if let sign = clock.firstIndex(where: { $0 == "+" || $0 == "-" }) {
                    offsetMinutes = numericZone(clock[sign...])
                    clock = clock[..<sign]
                }
                let parts = clock.split(separator: ":").map { Int($0.prefix { $0.isASCII && $0.isNumber }) }
                guard parts.count >= 2, let hour = parts[0], let minute = parts[1], hour < 24, minute < 60 else { continue }
                let second = parts.count > 2 ? parts[2] ?? 0 : 0
                time = (hour, minute, min(second, 60))
            } else if let first = token.first, first == "+" || first == "-", token.count >= 3, offsetMinutes == nil {
                offsetMinutes = numericZone(token)
            } else if let number = Int(token) {
                if day == nil, month == nil || year == nil, token.count <= 2, (1...31).contains(number) {
                    day = number
                } else if year == nil {
                    year = number < 50 && token.count <= 2 ? 2000 + number : number < 1000 ? 1900 + number : number
                }
            } else if token.count >= 8, token.contains("-"), year == nil {
                // ISO 8601 "2024-01-02" (seen from some gateways).
                let parts = token.split(separator: "-").map { Int($0) }
                if parts.count == 3, let y = parts[0], let m = parts[1], let d = parts[2] {
                    year = y
                    month = m
                    day = d
                }
            } else {
                let upper = token.uppercased()
                if month == nil, upper.count >= 3, let found = monthNames.firstIndex(where: { upper.hasPrefix($0.uppercased()) }) {
                    month = found + 1
                } else if offsetMinutes == nil, let offset = zoneOffsets[upper] {
                    offsetMinutes = offset
                }
            }
        }
        guard let day, let month, let year, (1...12).contains(month), (1...31).contains(day), (1000...9999).contains(year) else {
            return nil
        }
        let (hour, minute, second) = time ?? (0, 0, 0)
        let seconds = days(fromCivil: year, month, day) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64((offsetMinutes ?? 0) * 60)
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    private static func numericZone(_ token: Substring) -> Int? {
        guard let sign = token.first, sign == "+" || sign == "-" else { return nil }
        let digits = token.dropFirst().filter { $0.isASCII && $0.isNumber }
        guard digits.count == 4 || digits.count == 2, let value = Int(digits) else { return nil }
        let minutes = digits.count == 4 ? value / 100 * 60 + value % 100 : value * 60
        guard minutes <= 18 * 60 else { return nil }
        return sign == "-" ? -minutes : minutes
    }
}
