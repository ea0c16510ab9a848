public import CarteiroDomain
public import CarteiroMail
public import Foundation

/// The relays a worker sends through: picks one per batch by a strategy, among those whose
/// breaker allows, whose heartbeat passes, that carry the stream and whose rate limit has room.
///
/// Rate limits: a relay with `maxMessagesPerSecond` has a token bucket (burst: one second's worth,
/// at least 1). `lease` takes one token and skips relays with an empty bucket; `complete` charges
/// the rest of the batch, so a large batch leaves the bucket in debt and holds the next lease
/// back. When every relay is held back `lease` returns nil and `nextAvailability()` says when to
/// ask again.
public actor RelayPool {
    public enum Strategy: String, Sendable, CaseIterable {
        case roundRobin = "round-robin"
        case weighted
        case leastOutstanding = "least-outstanding"
    }

    private struct Relay {
        var configuration: RelayConfiguration
        var transport: any MailTransport
        var generation: UInt64
        var breaker: CircuitBreaker
        var bucket: TokenBucket?
        var healthy = true
        var heartbeatFailure: DeliveryFailure?
        var outstanding = 0
        var sent = 0
        var failed = 0
    }

    private let strategy: Strategy
    private let breakerConfiguration: CircuitBreaker.Configuration
    private let clock: any WallClock
    private var random: AnyRandom
    private let onTransition: @Sendable (String, CircuitBreaker.Transition) -> Void

    private var relays: [Relay] = []
    private var cursor = 0
    private var nextLeaseID: UInt64 = 0
    private var nextGeneration: UInt64 = 0
    /// Leases handed out and not completed, by id.
    private var active: [UInt64: RelayLease] = [:]
    /// Leases out per transport installation.
    private var inFlight: [UInt64: Int] = [:]
    /// Transports replaced or removed by a reload, shut down once their leases come back.
    private var retired: [UInt64: any MailTransport] = [:]

    public init(
        relays: [(RelayConfiguration, any MailTransport)], strategy: Strategy = .roundRobin, breaker: CircuitBreaker.Configuration = .init(),
        clock: any WallClock, random: some RandomNumberGenerator & Sendable = SystemRandomNumberGenerator(),
        onTransition: @escaping @Sendable (String, CircuitBreaker.Transition) -> Void = { _, _ in }
    ) {
        self.strategy = strategy
        self.breakerConfiguration = breaker
        self.clock = clock
        self.random = AnyRandom(base: random)
        self.onTransition = onTransition
        var installed: [Relay] = []
        var generation: UInt64 = 0
        for (configuration, transport) in relays where !installed.contains(where: { $0.configuration.name == configuration.name }) {
            generation += 1
            installed.append(
                Relay(
                    configuration: configuration, transport: transport, generation: generation, breaker: CircuitBreaker(configuration: breaker),
                    bucket: Self.bucket(for: configuration)))
        }
        self.relays = installed
        self.nextGeneration = generation
    }

    /// Lends a relay for one batch of `stream`, preferring relays not in `excluding` (so a retry
    /// goes elsewhere when it can). Nil when no relay is usable now: the caller waits (see
    /// `nextAvailability()`) and must not fail its jobs.
    public func lease(for stream: MailStream, excluding: Set<String> = []) -> RelayLease? {
        let now = clock.now()
        let usable = relays.indices.filter { index in
            let relay = relays[index]
            return relay.healthy && relay.configuration.streams.contains(stream) && relay.breaker.wouldAllowRequest(now: now)
                && relay.bucket?.wait(now: now) == nil
        }
        let preferred = usable.filter { !excluding.contains(relays[$0].configuration.name) }
        guard let index = pick(among: preferred.isEmpty ? usable : preferred) else { return nil }

        let (allowed, transition) = relays[index].breaker.acquire(now: now)
        if let transition { onTransition(relays[index].configuration.name, transition) }
        guard allowed else { return nil }
        _ = relays[index].bucket?.take(now: now)
        relays[index].outstanding += 1
        nextLeaseID += 1
        let relay = relays[index]
        let lease = RelayLease(
            relay: relay.configuration.name, transport: relay.transport, isTrial: relay.breaker.state == .halfOpen, id: nextLeaseID,
            generation: relay.generation)
        active[lease.id] = lease
        inFlight[lease.generation, default: 0] += 1
        return lease
    }

    /// Hands a lease back with what the relay did with the batch: updates counters, the rate
    /// limit and the breaker. Completing a lease twice does nothing.
    public func complete(_ lease: RelayLease, outcomes: [TransportOutcome]) async {
        guard active.removeValue(forKey: lease.id) != nil else { return }
        let now = clock.now()
        if let index = relays.firstIndex(where: { $0.configuration.name == lease.relay }) {
            relays[index].outstanding = max(0, relays[index].outstanding - 1)
            for outcome in outcomes {
                if case .accepted = outcome { relays[index].sent += 1 } else { relays[index].failed += 1 }
            }
            if outcomes.count > 1 { relays[index].bucket?.consume(Double(outcomes.count - 1), now: now) }
            // While half-open only the trial decides; reports from batches leased earlier do not.
            if lease.isTrial || relays[index].breaker.state != .halfOpen {
                if let transition = relays[index].breaker.record(outcomes, now: now) {
                    onTransition(lease.relay, transition)
                }
            }
        }
        let left = (inFlight[lease.generation] ?? 1) - 1
        inFlight[lease.generation] = left > 0 ? left : nil
        if left <= 0, let transport = retired.removeValue(forKey: lease.generation) {
            await transport.shutdown()
        }
    }

    /// Records a heartbeat: a failing relay leaves rotation until a heartbeat passes again.
    /// Returns whether the relay's health changed.
    @discardableResult
    public func markHeartbeat(relay name: String, failure: TransportFailure?) -> Bool {
        guard let index = relays.firstIndex(where: { $0.configuration.name == name }) else { return false }
        let was = relays[index].healthy
        relays[index].healthy = failure == nil
        relays[index].heartbeatFailure = failure?.failure
        return was != relays[index].healthy
    }

    /// Probes one relay (nil when it passes, or when no relay has that name).
    public func probe(relay name: String) async -> TransportFailure? {
        guard let transport = relays.first(where: { $0.configuration.name == name })?.transport else { return nil }
        return await transport.probe()
    }

    /// Probes every relay at once and records the results.
    public func probeAll() async {
        let targets = relays.map { ($0.configuration.name, $0.transport) }
        let results = await withTaskGroup(of: (String, TransportFailure?).self) { group in
            for (name, transport) in targets {
                group.addTask { (name, await transport.probe()) }
            }
            var results: [(String, TransportFailure?)] = []
            for await result in group { results.append(result) }
            return results
        }
        for (name, failure) in results { markHeartbeat(relay: name, failure: failure) }
    }

    /// Probes every relay each `interval` until the calling task is cancelled.
    public func runHeartbeats(every interval: Duration) async {
        while !Task.isCancelled {
            await probeAll()
            do {
                try await Task.sleep(for: interval)
            } catch {
                return
            }
        }
    }

    /// Applies a reloaded configuration: relays whose name persists keep their breaker, health,
    /// counters and outstanding leases (and take the new settings and transport); new ones join;
    /// removed ones leave. A transport no longer used is shut down once its leases come back.
    public func replaceRelays(_ newRelays: [(RelayConfiguration, any MailTransport)]) async {
        var installed: [Relay] = []
        var replaced: [Relay] = []
        for (configuration, transport) in newRelays where !installed.contains(where: { $0.configuration.name == configuration.name }) {
            if var kept = relays.first(where: { $0.configuration.name == configuration.name }) {
                if kept.configuration.maxMessagesPerSecond != configuration.maxMessagesPerSecond {
                    kept.bucket = Self.bucket(for: configuration)
                }
                kept.configuration = configuration
                if !Self.isSameInstance(kept.transport, transport) {
                    replaced.append(kept)
                    nextGeneration += 1
                    kept.transport = transport
                    kept.generation = nextGeneration
                }
                installed.append(kept)
            } else {
                nextGeneration += 1
                installed.append(
                    Relay(
                        configuration: configuration, transport: transport, generation: nextGeneration,
                        breaker: CircuitBreaker(configuration: breakerConfiguration), bucket: Self.bucket(for: configuration)))
            }
        }
        let removed = relays.filter { old in !installed.contains(where: { $0.configuration.name == old.configuration.name }) }
        relays = installed
        cursor = relays.isEmpty ? 0 : cursor % relays.count

        var shutNow: [any MailTransport] = []
        for old in replaced + removed {
            if inFlight[old.generation, default: 0] > 0 {
                retired[old.generation] = old.transport
            } else {
                shutNow.append(old.transport)
            }
        }
        for transport in shutNow { await transport.shutdown() }
    }

    public func snapshot() -> [RelayStatus] {
        relays.map {
            RelayStatus(
                name: $0.configuration.name, breaker: $0.breaker.state, healthy: $0.healthy, outstanding: $0.outstanding, sent: $0.sent,
                failed: $0.failed, heartbeatFailure: $0.heartbeatFailure)
        }
    }

    /// The earliest time a relay with a passing heartbeat may be leased again: now when one is
    /// usable, otherwise when the first open breaker allows a trial or a rate limit refills.
    /// Nil when nothing is known (no relay, or every relay failing its heartbeat or awaiting a trial).
    public func nextAvailability() -> Date? {
        let now = clock.now()
        var earliest: Date?
        for relay in relays where relay.healthy {
            let breakerReady: Date
            switch relay.breaker.state {
            case .closed: breakerReady = now
            case .open(let until): breakerReady = max(now, until)
            case .halfOpen:
                guard !relay.breaker.trialInFlight else { continue }
                breakerReady = now
            }
            let bucketReady = relay.bucket?.wait(now: now).map { now.addingTimeInterval($0.timeInterval) } ?? now
            let ready = max(breakerReady, bucketReady)
            earliest = earliest.map { min($0, ready) } ?? ready
        }
        return earliest
    }

    /// Shuts every transport down (the pool's owner calls this when the worker stops).
    public func shutdown() async {
        let transports = relays.map(\.transport) + Array(retired.values)
        retired.removeAll()
        for transport in transports { await transport.shutdown() }
    }

    private func pick(among candidates: [Int]) -> Int? {
        guard !candidates.isEmpty else { return nil }
        switch strategy {
        case .roundRobin:
            // The first candidate at or after the cursor, so the rotation survives relays leaving it.
            let chosen = candidates.first(where: { $0 >= cursor }) ?? candidates[0]
            cursor = (chosen + 1) % max(1, relays.count)
            return chosen
        case .weighted:
            let weights = candidates.map { max(0, relays[$0].configuration.weight) }
            let total = weights.reduce(0, +)
            guard total > 0 else { return candidates[Int.random(in: 0..<candidates.count, using: &random)] }
            var roll = Int.random(in: 0..<total, using: &random)
            for (candidate, weight) in zip(candidates, weights) {
                if roll < weight { return candidate }
                roll -= weight
            }
            return candidates[candidates.count - 1]
        case .leastOutstanding:
            let least = candidates.map { relays[$0].outstanding }.min() ?? 0
            let tied = candidates.filter { relays[$0].outstanding == least }
            return tied[Int.random(in: 0..<tied.count, using: &random)]
        }
    }

    private static func bucket(for configuration: RelayConfiguration) -> TokenBucket? {
        guard let rate = configuration.maxMessagesPerSecond, rate > 0 else { return nil }
        return TokenBucket(rate: rate, burst: max(1, rate))
    }

    /// Lets the stored existential generator be passed where `inout some RandomNumberGenerator` is expected.
    private struct AnyRandom: RandomNumberGenerator, Sendable {
        var base: any RandomNumberGenerator & Sendable
        mutating func next() -> UInt64 { base.next() }
    }

    /// Whether a reload handed back the transport already in use (classes only; a value cannot be told apart).
    private static func isSameInstance(_ a: any MailTransport, _ b: any MailTransport) -> Bool {
        guard type(of: a) is AnyClass, type(of: b) is AnyClass else { return false }
        return ObjectIdentifier(a as AnyObject) == ObjectIdentifier(b as AnyObject)
    }
}
