public import CarteiroMail

/// A relay lent to one batch by a `RelayPool`; hand it back with `RelayPool.complete(_:outcomes:)`.
public struct RelayLease: Sendable {
    public let relay: String
    public let transport: any MailTransport
    /// Whether this batch is the half-open breaker's single trial.
    public let isTrial: Bool
    let id: UInt64
    /// Which installation of the relay's transport this lease uses (a reload may replace it).
    let generation: UInt64
}
