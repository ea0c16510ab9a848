public import CarteiroDomain
public import Foundation

/// How the webhook deliverer retries, waits and leases.
public struct WebhookConfiguration: Sendable {
    /// How long a failing delivery is retried, from its first attempt, before it is parked.
    public var retryWindow: TimeInterval
    /// The wait between attempts: 1 s doubling to 10 min by default.
    public var backoff: WebhookBackoff
    /// One request's whole time (connect, send, answer); longer is a failed attempt. A refused
    /// connection is tried again by the HTTP client's pool until this runs out, so an attempt
    /// at a dead receiver takes this long.
    public var requestTimeout: TimeInterval
    /// How long a process keeps a webhook without renewing its lease; another process takes
    /// over after it (a crashed process's webhooks resume this soon). Longer than a request.
    public var leaseDuration: TimeInterval
    /// How often a loop with nothing to do reads the log again without an append signal
    /// (appends from other processes on a backend without a change feed).
    public var pollInterval: Duration
    /// How often the list of webhooks is read again (new ones start, deleted ones stop).
    public var refreshInterval: Duration
    /// Events read per round.
    public var batchSize: Int

    public init(
        retryWindow: TimeInterval = 86_400, backoff: WebhookBackoff = WebhookBackoff(base: 1, cap: 600), requestTimeout: TimeInterval = 10,
        leaseDuration: TimeInterval? = nil, pollInterval: Duration = .seconds(1), refreshInterval: Duration = .seconds(5), batchSize: Int = 100
    ) {
        self.retryWindow = retryWindow
        self.backoff = backoff
        self.requestTimeout = requestTimeout
        self.leaseDuration = leaseDuration ?? max(60, 3 * requestTimeout)
        self.pollInterval = pollInterval
        self.refreshInterval = refreshInterval
        self.batchSize = batchSize
    }
}
