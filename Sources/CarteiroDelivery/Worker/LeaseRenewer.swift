import CarteiroDomain
import Foundation
import Logging
import Synchronization

/// Keeps the leases of the jobs a worker is working on from running out: lanes put a batch in
/// when they claim it and take it out once its outcomes are recorded, and `run()` renews every
/// lease held, in one store write, every third of the lease. The lease can then be short, so the
/// jobs of a worker that died are claimed again within one lease, not after the longest batch.
final class LeaseRenewer: Sendable {
    private let queue: any EmailJobQueue
    private let leaseDuration: Duration
    private let clock: any WallClock
    private let logger: Logger
    /// Token by job. Locked only to add, remove or copy entries, never across the store call.
    private let held = Mutex<[EmailJobID: String]>([:])

    init(queue: any EmailJobQueue, leaseDuration: Duration, clock: any WallClock, logger: Logger) {
        self.queue = queue
        self.leaseDuration = leaseDuration
        self.clock = clock
        self.logger = logger
    }

    /// Renews from now on, once per third of the lease, until the task is cancelled. A round
    /// that fails is not retried early: two more rounds come before the leases run out.
    func run() async {
        let interval = leaseDuration / 3
        while true {
            do {
                try await Task.sleep(for: interval)
            } catch {
                return
            }
            await renew()
        }
    }

    func hold(_ jobs: [EmailJob]) {
        guard !jobs.isEmpty else { return }
        held.withLock { held in
            for job in jobs {
                if let token = job.lease?.token { held[job.id] = token }
            }
        }
    }

    func release(_ jobs: [EmailJob]) {
        guard !jobs.isEmpty else { return }
        held.withLock { held in
            for job in jobs { held[job.id] = nil }
        }
    }

    /// One round: every lease held is extended to a full lease from now; those the store reports
    /// stale are dropped, since nothing this worker does can win them back.
    func renew() async {
        let leases = held.withLock { held in held.map { HeldLease(jobID: $0.key, token: $0.value) } }
        guard !leases.isEmpty else { return }
        let now = clock.now()
        let result: RenewResult
        do {
            result = try await queue.renewLeases(leases, until: now.addingTimeInterval(leaseDuration.timeInterval), at: now)
        } catch is CancellationError {
            return
        } catch let error as StoreError where error.isTransient {
            logger.warning("cannot renew leases, trying again at the next round", metadata: ["jobs": "\(leases.count)", "error": "\(error)"])
            return
        } catch {
            // Not fatal to the batches: their outcomes are fenced, and the next round tries again.
            logger.error("cannot renew leases", metadata: ["jobs": "\(leases.count)", "error": "\(error)"])
            return
        }
        guard !result.stale.isEmpty else { return }
        let stale = Set(result.stale)
        // A job recorded while the round ran reads as stale too, and its lane takes it out right
        // after the record; a lease still held under the same token was lost to another worker
        // (or, rarely, is one of those caught between the record and its lane's release: dropping
        // it early is harmless).
        let lost = held.withLock { held in
            var lost = 0
            for lease in leases where stale.contains(lease.jobID) && held[lease.jobID] == lease.token {
                held[lease.jobID] = nil
                lost += 1
            }
            return lost
        }
        if lost > 0 {
            logger.warning("leases lost: taken over by another worker, whose outcomes will count", metadata: ["jobs": "\(lost)"])
        }
    }
}
