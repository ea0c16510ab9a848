public import CurlKit
import CarteiroDomain
public import Logging

/// An SMTP relay through libcurl: pooled connections, each reused for many messages.
public final class SMTPRelayTransport: MailTransport {
    public let name: String
    private let client: SMTPClient

    public init(name: String, configuration: SMTPRelayConfiguration, logger: Logger) {
        self.name = name
        self.client = SMTPClient(configuration: configuration, logger: logger)
    }

    public func deliver(_ messages: [ComposedMessage]) async -> [TransportOutcome] {
        let envelopes = messages.map { SMTPEnvelope(mailFrom: $0.mailFrom, recipients: $0.recipients, message: $0.bytes) }
        let urgent = messages.allSatisfy { $0.stream == .transactional }
        return await client.send(batch: envelopes, urgent: urgent).map { outcome in
            switch outcome {
            case .accepted: .accepted
            case .rejected(let failure): .rejected(Self.transportFailure(failure))
            }
        }
    }

    public func probe() async -> TransportFailure? {
        await client.probe().map(Self.transportFailure)
    }

    public func shutdown() async { await client.shutdown() }

    static func transportFailure(_ failure: SMTPFailure) -> TransportFailure {
        TransportFailure(
            failure: DeliveryFailure(replyCode: failure.replyCode, enhancedStatus: failure.enhancedStatus, text: failure.text),
            // A local fault (neither 4xx nor 5xx) is treated as transient: the message itself is not refused.
            isTransient: !failure.isPermanent, retryAfter: failure.retryAfter)
    }
}
