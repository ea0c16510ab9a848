import Synchronization

/// One unit of work for a lane: a message to relay or a probe, and where its result goes.
struct SMTPJob: Sendable {
    enum Work: Sendable {
        case send(SMTPEnvelope)
        case probe
    }

    enum Completion: Sendable {
        case single(CheckedContinuation<SMTPResult, Never>)
        case batch(SMTPBatchCollector, index: Int)
        case probe(CheckedContinuation<SMTPFailure?, Never>)
    }

    let work: Work
    let completion: Completion

    func complete(_ result: SMTPResult) {
        switch completion {
        case .single(let continuation): continuation.resume(returning: result)
        case .batch(let collector, let index): collector.complete(index, with: result)
        case .probe(let continuation): continuation.resume(returning: result.outcome.failure)
        }
    }
}

/// Gathers the results of a batch and resumes its one continuation when the last arrives, so a
/// batch of N messages costs one resume, not N.
final class SMTPBatchCollector: @unchecked Sendable {
    // @unchecked: slot i of `results` is written once, by the lane that ran job i; the slots are
    // read only by the thread whose decrement brings `remaining` to zero, and the
    // acquiring-and-releasing decrements order every write before that read.
    private let results: UnsafeMutableBufferPointer<SMTPResult?>
    private let remaining: Atomic<Int>
    private let continuation: CheckedContinuation<[SMTPResult], Never>

    init(count: Int, continuation: CheckedContinuation<[SMTPResult], Never>) {
        results = .allocate(capacity: count)
        results.initialize(repeating: nil)
        remaining = Atomic(count)
        self.continuation = continuation
    }

    deinit {
        results.deinitialize()
        results.deallocate()
    }

    func complete(_ index: Int, with result: SMTPResult) {
        results[index] = result
        if remaining.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 {
            continuation.resume(returning: results.map { $0! })
        }
    }
}
