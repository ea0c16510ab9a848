import Foundation
import Synchronization

/// Which of many repeated failures get a log line: the first of each kind, then at most one per
/// `interval`, saying how many went unlogged since the line before. A store that refuses every
/// write fails each retry and each customer message the same way; one line per interval says
/// as much as fifty a second, and keeps the log (and the disk under it) usable.
///
/// Every failure gets the incident id of the line that stands for it, so a person shown the id
/// (a chat customer, in an `internal` error) leads an operator to the line with the details.
/// The caller logs, with its own logger and words; the throttle only decides. Time comes from
/// the injected clock, so tests move it by hand.
public final class LogThrottle: Sendable {
    /// One failure, as the throttle judged it.
    public struct Occurrence: Sendable, Hashable {
        /// The id of the log line that stands for this failure: this one's when `shouldLog`.
        public let incident: String
        /// Log it now: the first of its kind, or the first since `interval` passed.
        public let shouldLog: Bool
        /// Failures of this kind that were not logged since the previous line (when `shouldLog`),
        /// or so far since the current one (when not).
        public let suppressed: Int
    }

    private struct Line {
        var incident: String
        var at: Date
        var suppressed: Int
    }

    private let interval: TimeInterval
    private let clock: any WallClock
    private let maximumKinds: Int
    private let lines = Mutex<[String: Line]>([:])

    /// `maximumKinds` bounds what the throttle remembers: past it, new kinds share one line.
    public init(interval: Duration = .seconds(10), clock: any WallClock = SystemWallClock(), maximumKinds: Int = 64) {
        self.interval = interval.timeInterval
        self.clock = clock
        self.maximumKinds = max(1, maximumKinds)
    }

    /// Records a failure of `kind` (an operation's name, or an error's text: failures of one kind
    /// share lines) and says whether to log it.
    public func record(_ kind: String) -> Occurrence {
        let now = clock.now()
        return lines.withLock { lines in
            var kind = kind
            if lines[kind] == nil, lines.count >= maximumKinds {
                lines = lines.filter { now.timeIntervalSince($0.value.at) < interval }
                if lines.count >= maximumKinds { kind = "\u{1F}other" }
            }
            if var line = lines[kind], now.timeIntervalSince(line.at) < interval {
                line.suppressed += 1
                lines[kind] = line
                return Occurrence(incident: line.incident, shouldLog: false, suppressed: line.suppressed)
            }
            let line = Line(incident: Self.makeIncident(), at: now, suppressed: 0)
            let unlogged = lines[kind]?.suppressed ?? 0
            lines[kind] = line
            return Occurrence(incident: line.incident, shouldLog: true, suppressed: unlogged)
        }
    }

    /// Eight hex digits: short enough to read out over the phone, enough to tell a day's lines apart.
    private static func makeIncident() -> String {
        let value = UInt32.random(in: .min ... .max)
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }
}
