public import CarteiroDomain
public import Foundation
import Synchronization

/// A wall clock that moves only when told, in whole milliseconds (what both stores keep).
public final class ManualClock: WallClock {
    private let current: Mutex<Date>

    public init(_ start: Date = Date(timeIntervalSince1970: 1_790_000_000)) {
        current = Mutex(Date(timeIntervalSince1970: (start.timeIntervalSince1970 * 1000).rounded() / 1000))
    }

    public func now() -> Date { current.withLock { $0 } }

    public func advance(by duration: Duration) {
        current.withLock { $0 = $0.addingTimeInterval(duration.timeInterval) }
    }
}
