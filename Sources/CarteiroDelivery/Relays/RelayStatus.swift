public import CarteiroDomain

/// One relay as the pool sees it, for the API and metrics.
public struct RelayStatus: Sendable, Hashable {
    public let name: String
    public let breaker: CircuitBreaker.State
    /// Whether the latest heartbeat passed (true until one fails).
    public let healthy: Bool
    /// Batches leased and not yet completed.
    public let outstanding: Int
    /// Messages the relay accepted.
    public let sent: Int
    /// Messages the relay rejected, transiently or permanently.
    public let failed: Int
    /// Why the latest heartbeat failed, while it is failing.
    public let heartbeatFailure: DeliveryFailure?
}
