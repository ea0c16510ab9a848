import Foundation

/// The UTC calendar minute a rate allowance belongs to, numbered from the epoch.
struct DeliveryMinute: Hashable {
    let index: Int64

    init(_ date: Date) {
        index = Int64((date.timeIntervalSince1970 / 60).rounded(.down))
    }

    /// The first instant after this minute.
    var end: Date { Date(timeIntervalSince1970: TimeInterval(index + 1) * 60) }
}
