import Foundation
import NIOCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Keeps file descriptors free for health checks and the store while connections pile up.
///
/// Every HTTP connection is counted from accept to close against a budget: the soft
/// `RLIMIT_NOFILE`, less the descriptors open when the server was built, less a reserve. Past the
/// budget, each new connection has the oldest idle ones closed (those still waiting for their
/// first request head, or kept alive between requests; never a WebSocket or a request being
/// served), so that accepting never fails for want of a descriptor and a health check gets in.
/// When none is idle, the new connection is served only `/health` and `/ready`.
///
/// Raising the soft limit to the hard one at start (`raiseSoftLimit()`) gives most servers far
/// more room; the reserve is what still holds when the hard limit is low too, or reached.
final class DescriptorReserve: Sendable {
    enum Phase: Sendable {
        /// Accepted, no request head yet.
        case waiting
        /// Kept alive between requests.
        case idle
        /// A request being served, or a WebSocket.
        case busy
    }

    private struct Entry {
        let channel: any Channel
        var phase: Phase
        var since: ContinuousClock.Instant
        var evicted = false
    }

    private struct State {
        var entries: [ObjectIdentifier: Entry] = [:]
        var evicted = 0
    }

    /// Connections that may be open before idle ones are closed.
    let budget: Int
    private let state = Mutex(State())

    init(budget: Int) {
        self.budget = max(1, budget)
    }

    /// The budget this process has: its soft descriptor limit, less the descriptors open now, less `reserve`.
    static func processBudget(reserve: Int) -> Int {
        softLimit() - openDescriptorCount() - reserve
    }

    /// Counts a new connection; false when it may be served only health checks. Connections
    /// evicted to make room are asked to quiesce, as at shutdown: one waiting for a head or idle
    /// closes at once (`HTTPConnectionGuard`, Hummingbird's idle handler).
    func opened(_ channel: any Channel, at now: ContinuousClock.Instant = .now) -> Bool {
        let id = ObjectIdentifier(channel)
        let (evicted, mayWork) = state.withLock { state -> ([any Channel], Bool) in
            state.entries[id] = Entry(channel: channel, phase: .waiting, since: now)
            var excess = state.entries.count - state.evicted - budget
            var evicted: [any Channel] = []
            while excess > 0 {
                let oldest = state.entries.lazy.filter { $0.key != id && !$0.value.evicted && $0.value.phase != .busy }
                    .min { $0.value.since < $1.value.since }
                guard let (victim, entry) = oldest else { break }
                state.entries[victim]?.evicted = true
                state.evicted += 1
                evicted.append(entry.channel)
                excess -= 1
            }
            return (evicted, excess <= 0)
        }
        for channel in evicted { channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent()) }
        return mayWork
    }

    func closed(_ channel: any Channel) {
        state.withLock { state in
            if state.entries.removeValue(forKey: ObjectIdentifier(channel))?.evicted == true { state.evicted -= 1 }
        }
    }

    func mark(_ channel: any Channel, _ phase: Phase, at now: ContinuousClock.Instant = .now) {
        state.withLock { state in
            guard var entry = state.entries[ObjectIdentifier(channel)], entry.phase != phase else { return }
            entry.phase = phase
            entry.since = now
            state.entries[ObjectIdentifier(channel)] = entry
        }
    }

    var count: Int { state.withLock { $0.entries.count } }

    /// The soft `RLIMIT_NOFILE` (a very large number when unlimited).
    static func softLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(descriptorResource, &limit) == 0 else { return Int(Int32.max) }
        // Unlimited (RLIM_INFINITY) is the largest value of rlim_t.
        return min(Int(Int32.max), Int(clamping: limit.rlim_cur))
    }

    /// Raises the soft `RLIMIT_NOFILE` to the hard one (a systemd service gets 1,024 of 524,288,
    /// a shell often 1,024 of a larger hard limit); returns the limits before and after, or nil
    /// when it was already there or could not be raised. (Go's runtime does the same at start.)
    static func raiseSoftLimit() -> (from: Int, to: Int)? {
        var limit = rlimit()
        guard getrlimit(descriptorResource, &limit) == 0, limit.rlim_cur < limit.rlim_max else { return nil }
        let before = limit.rlim_cur
        limit.rlim_cur = limit.rlim_max
        #if canImport(Darwin)
            // macOS refuses a soft limit above OPEN_MAX whatever the hard limit says.
            limit.rlim_cur = min(limit.rlim_max, rlim_t(OPEN_MAX))
        #endif
        guard limit.rlim_cur > before, setrlimit(descriptorResource, &limit) == 0 else { return nil }
        return (Int(clamping: before), Int(clamping: limit.rlim_cur))
    }

    /// Descriptors this process has open now (0 where that cannot be read).
    static func openDescriptorCount() -> Int {
        for folder in ["/proc/self/fd", "/dev/fd"] {
            // The listing's own descriptor is in it.
            if let names = try? FileManager.default.contentsOfDirectory(atPath: folder) { return max(0, names.count - 1) }
        }
        return 0
    }

    #if canImport(Glibc)
        private static let descriptorResource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
        private static let descriptorResource = RLIMIT_NOFILE
    #endif
}
