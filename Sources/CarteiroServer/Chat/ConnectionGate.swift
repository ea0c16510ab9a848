import Synchronization

/// Counts open chat connections against the process's maximum.
final class ConnectionGate: Sendable {
    private let open = Atomic<Int>(0)
    let maximum: Int

    init(maximum: Int) {
        self.maximum = maximum
    }

    var count: Int { open.load(ordering: .relaxed) }

    /// Takes a place; false (and nothing taken) when all are taken.
    func enter() -> Bool {
        let after = open.add(1, ordering: .relaxed).newValue
        guard after <= maximum else {
            open.subtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    func leave() { open.subtract(1, ordering: .relaxed) }
}
