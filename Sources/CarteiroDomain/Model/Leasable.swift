public import Foundation

/// A record one process at a time works on (a mailbox's cursor, a webhook's): it holds a lease,
/// taken or renewed through a version-checked write, and free again once it runs out.
public protocol Leasable {
    var leaseHolder: String? { get }
    var leaseExpiresAt: Date? { get }
    mutating func setLease(holder: String?, expiresAt: Date?)
}

extension Leasable {
    /// Whether `holder` may take the lease at `now`: it is free, expired, or already its own.
    public func canLease(to holder: String, at now: Date) -> Bool {
        leaseHolder == nil || leaseHolder == holder || (leaseExpiresAt ?? .distantPast) <= now
    }

    /// Whether `holder` holds the lease at `now` for at least `margin` more.
    public func isLeased(to holder: String, at now: Date, margin: TimeInterval = 0) -> Bool {
        leaseHolder == holder && (leaseExpiresAt ?? .distantPast) > now.addingTimeInterval(margin)
    }

    /// Takes or renews the lease until `now + duration`; false (nothing changed) when another
    /// holder's lease is still running.
    public mutating func lease(to holder: String, at now: Date, for duration: TimeInterval) -> Bool {
        guard canLease(to: holder, at: now) else { return false }
        setLease(holder: holder, expiresAt: now.addingTimeInterval(duration))
        return true
    }

    public mutating func releaseLease(of holder: String) {
        guard leaseHolder == holder else { return }
        setLease(holder: nil, expiresAt: nil)
    }
}
