public import CarteiroDomain

/// One relay of the pool, as configuration names it.
public struct RelayConfiguration: Sendable, Hashable {
    /// Names the relay in leases, job records, logs and metrics; unique within a pool.
    public var name: String
    /// Share of picks under the `weighted` strategy (relative to the other relays).
    public var weight: Int
    /// Messages per second this relay may take; nil for no limit.
    public var maxMessagesPerSecond: Double?
    /// The streams this relay carries.
    public var streams: Set<MailStream>

    public init(name: String, weight: Int = 1, maxMessagesPerSecond: Double? = nil, streams: Set<MailStream> = Set(MailStream.allCases)) {
        self.name = name
        self.weight = weight
        self.maxMessagesPerSecond = maxMessagesPerSecond
        self.streams = streams
    }
}
