public import CarteiroDomain

/// Something that takes composed messages and hands them on: an SMTP relay, or a folder.
public protocol MailTransport: Sendable {
    /// Names the relay in job records, logs and metrics.
    var name: String { get }
    /// Delivers each message; one outcome per message, in order. Never throws: every failure is an outcome.
    func deliver(_ messages: [ComposedMessage]) async -> [TransportOutcome]
    /// A heartbeat: nil when the relay answers, otherwise why not.
    func probe() async -> TransportFailure?
    func shutdown() async
}

public enum TransportOutcome: Sendable, Hashable {
    case accepted
    case rejected(TransportFailure)
}

/// Why a relay did not take a message, and whether trying again later may help.
public struct TransportFailure: Error, Sendable, Hashable, CustomStringConvertible {
    public let failure: DeliveryFailure
    /// 4xx replies, refused connections, timeouts: the message may go later or elsewhere.
    public let isTransient: Bool
    /// A wait the relay asked for ("try again in 30 seconds").
    public let retryAfter: Duration?

    public init(failure: DeliveryFailure, isTransient: Bool, retryAfter: Duration? = nil) {
        self.failure = failure
        self.isTransient = isTransient
        self.retryAfter = retryAfter
    }

    public var description: String { failure.description }
}
