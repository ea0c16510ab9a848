public import CarteiroDomain
public import Foundation
public import Logging

/// Applies per-recipient-domain limits to a claimed batch through the store's shared throttle,
/// so every worker process on the store counts against the same allowance.
///
/// A domain with a parallel limit gets connection slots (as many as it has messages, up to the
/// limit and as free); its messages then go one at a time per slot. A domain whose slots are all
/// held, or whose minute's allowance is used up, has its jobs deferred — not attempted, not
/// counted as an attempt — until a slot may free or the next minute starts.
public struct DomainGate: Sendable {
    public struct Admission: Sendable {
        public var admitted: [EmailJob] = []
        public var deferred: [(job: EmailJob, until: Date)] = []
        /// Slots held per domain for this batch (domains with a parallel limit only).
        public var slots: [String: [Int]] = [:]
    }

    private let limits: DomainLimits
    private let throttle: any DeliveryThrottle
    private let slotLease: Duration
    private let logger: Logger

    /// `slotLease`: how long a slot stays held if its holder dies (the job lease duration fits).
    public init(limits: DomainLimits, throttle: any DeliveryThrottle, slotLease: Duration, logger: Logger) {
        self.limits = limits
        self.throttle = throttle
        self.slotLease = slotLease
        self.logger = logger
    }

    public var isEmpty: Bool { limits.isEmpty }

    public func admit(_ jobs: [EmailJob], holder: String, now: Date) async -> Admission {
        var admission = Admission()
        var byDomain: [String: [EmailJob]] = [:]
        var domainOrder: [String] = []
        for job in jobs {
            let domain = job.recipient.domain.lowercased()
            guard limits.limit(for: domain) != nil else {
                admission.admitted.append(job)
                continue
            }
            if byDomain[domain] == nil { domainOrder.append(domain) }
            byDomain[domain, default: []].append(job)
        }
        let nextMinute = Date(timeIntervalSince1970: (now.timeIntervalSince1970 / 60).rounded(.down) * 60 + 60)
        for domain in domainOrder {
            guard let limit = limits.limit(for: domain), var pending = byDomain[domain] else { continue }
            do {
                if let maxParallel = limit.maxParallel {
                    var held: [Int] = []
                    for _ in 0..<min(maxParallel, pending.count) {
                        guard
                            let slot = try await throttle.acquireSlot(
                                domain: domain, maxParallel: maxParallel, holder: holder, expiresAt: now.addingTimeInterval(slotLease.timeInterval), now: now)
                        else { break }
                        held.append(slot)
                    }
                    guard !held.isEmpty else {
                        // Every slot is busy elsewhere: look again shortly.
                        admission.deferred += pending.map { ($0, now.addingTimeInterval(1)) }
                        continue
                    }
                    admission.slots[domain] = held
                }
                if let perMinute = limit.messagesPerMinute {
                    let granted = try await throttle.takeMessages(domain: domain, count: pending.count, limitPerMinute: perMinute, now: now)
                    admission.deferred += pending[granted...].map { ($0, nextMinute) }
                    pending = Array(pending[..<granted])
                }
                admission.admitted += pending
                if pending.isEmpty, let held = admission.slots.removeValue(forKey: domain) {
                    await release([domain: held], holder: holder)
                }
            } catch {
                // Unknown allowance: sending could break the limit, so wait a little instead.
                logger.warning("cannot check a recipient domain's limit; deferring", metadata: ["domain": "\(domain)", "error": "\(error)"])
                if let held = admission.slots.removeValue(forKey: domain) { await release([domain: held], holder: holder) }
                admission.deferred += pending.map { ($0, now.addingTimeInterval(5)) }
            }
        }
        return admission
    }

    public func release(_ slots: [String: [Int]], holder: String) async {
        for (domain, held) in slots {
            for slot in held {
                do {
                    try await throttle.releaseSlot(domain: domain, slot: slot, holder: holder)
                } catch {
                    // It frees itself when its lease expires.
                    logger.warning("cannot release a domain slot", metadata: ["domain": "\(domain)", "error": "\(error)"])
                }
            }
        }
    }
}
