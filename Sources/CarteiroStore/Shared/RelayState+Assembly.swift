import CarteiroDomain

extension RelayState {
    /// Groups probes and breaker records into one state per relay, ordered by relay, each
    /// relay's breakers ordered by worker; both backends build their answer here.
    static func assemble(probes: [RelayProbe], breakers: [RelayBreakerRecord]) -> [RelayState] {
        let probeByRelay = Dictionary(probes.map { ($0.relay, $0) }, uniquingKeysWith: { a, b in a.at >= b.at ? a : b })
        let breakersByRelay = Dictionary(grouping: breakers, by: \.relay)
        return Set(probeByRelay.keys).union(breakersByRelay.keys).sorted().map { relay in
            RelayState(
                relay: relay, lastProbe: probeByRelay[relay],
                breakers: (breakersByRelay[relay] ?? []).sorted { $0.worker < $1.worker })
        }
    }
}
