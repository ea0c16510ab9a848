/// Which conversation sequences a client has seen. Frames can arrive out of order around a
/// reconnect (an `ack` for 7 before the agent's message 6 reaches this process), so "seen" is a
/// set, and what to resume from is the highest sequence with nothing missing below it.
public struct SequenceTracker: Sendable, Equatable {
    /// Every sequence up to this one has been seen.
    public private(set) var contiguous: Int
    private var ahead: Set<Int> = []

    public init(contiguous: Int = 0) {
        self.contiguous = contiguous
    }

    /// Records `sequence`; false when it was seen before (a duplicate to drop).
    public mutating func markSeen(_ sequence: Int) -> Bool {
        guard sequence > contiguous, !ahead.contains(sequence) else { return false }
        ahead.insert(sequence)
        while ahead.remove(contiguous + 1) != nil { contiguous += 1 }
        return true
    }
}
