public import CarteiroDomain
public import CarteiroMail
import CarteiroMIME

/// Compiled templates and composers per send, loaded from the store once per process.
public actor SendCatalog {
    public struct Content: Sendable {
        public let send: Send
        public let template: MailTemplate
        public let composer: MailComposer
    }

    public typealias ComposerFactory = @Sendable (Send) throws -> MailComposer

    private let sends: any AggregateRepository<Send>
    private let makeComposer: ComposerFactory
    private var cache: [SendID: Content] = [:]

    /// `makeComposer` builds the composer for a send (sender, unsubscribe links, DKIM signer).
    public init(sends: any AggregateRepository<Send>, makeComposer: @escaping ComposerFactory) {
        self.sends = sends
        self.makeComposer = makeComposer
    }

    public func content(for id: SendID) async throws -> Content {
        if let content = cache[id] { return content }
        guard let send = try await sends.get(id) else { throw DeliveryError.unknownSend(id) }
        let template = try MailTemplate(
            subject: send.subject, html: send.htmlBody, text: send.textBody, extraVariables: Set(send.extraVariables))
        let content = Content(send: send, template: template, composer: try makeComposer(send))
        cache[id] = content
        return content
    }

    /// A composer from the send's own sender fields, signed with the keyring's keys for the
    /// sender's domain when it has some: `carteiro send` and every worker compose alike. With
    /// `links` (a public URL is configured), bulk mail carries one-click unsubscribe headers, and
    /// a campaign's mail its tracking.
    public static func composer(
        signingWith keyring: DKIMKeyring = DKIMKeyring(), links: MailLinks? = nil, clock: any WallClock = SystemWallClock()
    ) -> ComposerFactory {
        { send in
            let from = try MailAddress(send.from.value, displayName: send.fromName)
            let replyTo = try send.replyTo.map { address throws(MIMEError) in try MailAddress(address.value) }
            let bulk = send.stream == .bulk
            return MailComposer(
                configuration: .init(
                    from: from, replyTo: replyTo, unsubscribe: bulk ? links?.unsubscribe(for: send) : nil, threading: send.threading,
                    tracking: bulk ? links?.tracking(for: send) : nil),
                signer: keyring.signer(forDomain: from.domain), clock: clock)
        }
    }

    /// A composer from the send's own sender fields, unsigned.
    public static func plainComposer(clock: any WallClock = SystemWallClock()) -> ComposerFactory { composer(clock: clock) }
}

public struct DeliveryError: Error, CustomStringConvertible {
    public let description: String
    static func unknownSend(_ id: SendID) -> DeliveryError { DeliveryError(description: "send \(id) is not in the store") }
}
