public import Foundation

/// What the worker processes sharing one store know of each relay, so that they agree on its
/// health (one heartbeat per interval for the whole fleet) and the API can show breaker states.
public protocol RelayStateBoard: Sendable {
    /// Records a heartbeat result for a relay; the latest probe (by `at`) wins.
    func recordProbe(_ probe: RelayProbe) async throws
    /// Records the breaker state one worker holds for a relay; replaces that worker's previous one.
    func recordBreaker(_ breaker: RelayBreakerRecord) async throws
    /// Every relay seen, by name, with its latest probe and the breaker state of each worker.
    func relayStates() async throws -> [RelayState]
}

public struct RelayProbe: Hashable, Sendable, Codable {
    public var relay: String
    public var worker: String
    public var at: Date
    /// Nil when the relay passed.
    public var failure: DeliveryFailure?

    public init(relay: String, worker: String, at: Date, failure: DeliveryFailure?) {
        self.relay = relay
        self.worker = worker
        self.at = at
        self.failure = failure
    }

    public var passed: Bool { failure == nil }
}

public struct RelayBreakerRecord: Hashable, Sendable, Codable {
    public enum State: String, Hashable, Sendable, Codable, CaseIterable {
        case closed, open
        case halfOpen = "half_open"
    }

    public var relay: String
    public var worker: String
    public var state: State
    /// When an open breaker allows its trial.
    public var openUntil: Date?
    public var at: Date

    public init(relay: String, worker: String, state: State, openUntil: Date? = nil, at: Date) {
        self.relay = relay
        self.worker = worker
        self.state = state
        self.openUntil = openUntil
        self.at = at
    }
}

public struct RelayState: Hashable, Sendable {
    public var relay: String
    public var lastProbe: RelayProbe?
    /// One per worker that reported, ordered by worker.
    public var breakers: [RelayBreakerRecord]

    public init(relay: String, lastProbe: RelayProbe?, breakers: [RelayBreakerRecord]) {
        self.relay = relay
        self.lastProbe = lastProbe
        self.breakers = breakers
    }
}

/// Per-recipient-domain limits shared by every worker process on one store.
public protocol DeliveryThrottle: Sendable {
    /// Takes up to `count` messages from `domain`'s allowance of `limitPerMinute` for the
    /// calendar minute (UTC) holding `now`; returns how many were granted (0...count). Atomic
    /// across processes: the grants of one minute never add up to more than the limit.
    func takeMessages(domain: String, count: Int, limitPerMinute: Int, now: Date) async throws -> Int
    /// Takes one of `domain`'s `maxParallel` connection slots for `holder` until `expiresAt`
    /// (a crashed holder's slot frees itself then); nil when every slot is held. Returns the slot.
    func acquireSlot(domain: String, maxParallel: Int, holder: String, expiresAt: Date, now: Date) async throws -> Int?
    /// Gives a slot back; does nothing unless `holder` still holds it.
    func releaseSlot(domain: String, slot: Int, holder: String) async throws
}
