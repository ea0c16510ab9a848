public import Logging

/// Relays messages to one SMTP server over a few reused connections.
///
/// Work runs on threads of the client's own (one per connection, at most
/// `configuration.maxConnections`), never on Swift's cooperative pool; a caller suspends until
/// its message's transaction ends. Each connection carries message after message; curl closes
/// it (and the next message opens a new one) after a failed transaction or when the relay drops it.
public final class SMTPClient: Sendable {
    public let configuration: SMTPRelayConfiguration
    private let pool: SMTPLanePool

    public init(configuration: SMTPRelayConfiguration, logger: Logger) {
        self.configuration = configuration
        pool = SMTPLanePool(configuration: configuration, logger: logger)
    }

    deinit {
        pool.beginShutdown()
    }

    /// Relays one message and tells what the relay made of it.
    public func send(_ envelope: SMTPEnvelope) async -> SMTPOutcome {
        await deliver(envelope).outcome
    }

    /// Relays one message and tells, besides the outcome, which recipients were refused.
    public func deliver(_ envelope: SMTPEnvelope) async -> SMTPResult {
        await withCheckedContinuation { continuation in
            pool.submit(SMTPJob(work: .send(envelope), completion: .single(continuation)))
        }
    }

    /// Relays many messages over up to `maxConnections` connections at once; the outcomes are in
    /// the order of `batch`. An `urgent` batch goes ahead of every batch already waiting (it
    /// still waits for the messages in progress).
    public func send(batch: [SMTPEnvelope], urgent: Bool = false) async -> [SMTPOutcome] {
        await deliver(batch: batch, urgent: urgent).map(\.outcome)
    }

    /// `send(batch:)` with the refused recipients of each message.
    public func deliver(batch: [SMTPEnvelope], urgent: Bool = false) async -> [SMTPResult] {
        guard !batch.isEmpty else { return [] }
        return await withCheckedContinuation { continuation in
            let collector = SMTPBatchCollector(count: batch.count, continuation: continuation)
            var jobs: [SMTPJob] = []
            jobs.reserveCapacity(batch.count)
            for (index, envelope) in batch.enumerated() {
                jobs.append(SMTPJob(work: .send(envelope), completion: .batch(collector, index: index)))
            }
            pool.submit(jobs, urgent: urgent)
        }
    }

    /// A heartbeat on a connection of its own: connect, EHLO (with STARTTLS and AUTH as
    /// configured), NOOP, QUIT. Nil when the relay is healthy.
    public func probe() async -> SMTPFailure? {
        await withCheckedContinuation { continuation in
            pool.submit(SMTPJob(work: .probe, completion: .probe(continuation)))
        }
    }

    /// Fails messages not yet started, waits for those under way, closes every connection (QUIT).
    /// Later sends fail at once with a local failure.
    public func shutdown() async {
        await pool.shutdown()
    }
}
