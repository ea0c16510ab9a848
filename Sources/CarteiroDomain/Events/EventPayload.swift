import Foundation

/// The typed body of a `DomainEvent`, one case per `DomainEvent.Kind`.
public enum EventPayload: Hashable, Sendable {
    case contactSignedUp(ContactSignedUp)
    case contactConfirmed(ContactConfirmed)
    /// The person answered a sign-up's confirmation with a no.
    case contactDeclined(ContactConfirmed)
    case contactUnsubscribed(ContactUnsubscribed)
    case emailSent(EmailSent)
    case emailFailed(EmailFailed)
    case emailBounced(EmailBounced)
    case emailOpened(EmailEngagement)
    case emailClicked(EmailEngagement)
    case chatMessagePosted(ChatMessagePosted)
    case chatIntentDetected(ChatIntentDetected)
    case chatHandoffRequested(ChatHandoffRequested)
    case chatClosed(ChatClosed)
    case campaignStatusChanged(CampaignStatusChanged)
    case relayStateChanged(RelayStateChanged)

    public struct ContactSignedUp: Hashable, Sendable, Codable {
        public var contactID: ContactID
        public var email: EmailAddress
        public var locale: String
        /// Where the sign-up came from: `chat`, `form`, `email`, `api`, `import`.
        public var source: String
        public var conversationID: ConversationID?
        public init(contactID: ContactID, email: EmailAddress, locale: String, source: String, conversationID: ConversationID? = nil) {
            self.contactID = contactID
            self.email = email
            self.locale = locale
            self.source = source
            self.conversationID = conversationID
        }
    }

    /// A sign-up's answer, `contact.confirmed` or `contact.declined`: the evidence is the reply's
    /// Message-ID, or what else proves it (the confirm link).
    public struct ContactConfirmed: Hashable, Sendable, Codable {
        public var contactID: ContactID
        public var email: EmailAddress
        public var evidence: String
        public init(contactID: ContactID, email: EmailAddress, evidence: String) {
            self.contactID = contactID
            self.email = email
            self.evidence = evidence
        }
    }

    public struct ContactUnsubscribed: Hashable, Sendable, Codable {
        public var contactID: ContactID
        public var email: EmailAddress
        public var reason: String
        public init(contactID: ContactID, email: EmailAddress, reason: String) {
            self.contactID = contactID
            self.email = email
            self.reason = reason
        }
    }

    public struct EmailSent: Hashable, Sendable, Codable {
        public var jobID: EmailJobID
        public var sendID: SendID
        public var campaignID: CampaignID?
        public var contactID: ContactID?
        public var recipient: EmailAddress
        public var relay: String
        public init(jobID: EmailJobID, sendID: SendID, campaignID: CampaignID?, contactID: ContactID?, recipient: EmailAddress, relay: String) {
            self.jobID = jobID
            self.sendID = sendID
            self.campaignID = campaignID
            self.contactID = contactID
            self.recipient = recipient
            self.relay = relay
        }
    }

    public struct EmailFailed: Hashable, Sendable, Codable {
        public var jobID: EmailJobID
        public var sendID: SendID
        public var campaignID: CampaignID?
        public var contactID: ContactID?
        public var recipient: EmailAddress
        public var failure: DeliveryFailure
        public var attempts: Int
        public init(
            jobID: EmailJobID, sendID: SendID, campaignID: CampaignID?, contactID: ContactID?, recipient: EmailAddress, failure: DeliveryFailure,
            attempts: Int
        ) {
            self.jobID = jobID
            self.sendID = sendID
            self.campaignID = campaignID
            self.contactID = contactID
            self.recipient = recipient
            self.failure = failure
            self.attempts = attempts
        }
    }

    public struct EmailBounced: Hashable, Sendable, Codable {
        public var recipient: EmailAddress
        public var contactID: ContactID?
        public var jobID: EmailJobID?
        /// DSN status, e.g. `5.1.1`.
        public var status: String
        public var reason: String
        public var permanent: Bool
        public init(recipient: EmailAddress, contactID: ContactID?, jobID: EmailJobID?, status: String, reason: String, permanent: Bool) {
            self.recipient = recipient
            self.contactID = contactID
            self.jobID = jobID
            self.status = status
            self.reason = reason
            self.permanent = permanent
        }
    }

    public struct EmailEngagement: Hashable, Sendable, Codable {
        public var jobID: EmailJobID
        public var contactID: ContactID?
        public var url: String?
        public init(jobID: EmailJobID, contactID: ContactID?, url: String? = nil) {
            self.jobID = jobID
            self.contactID = contactID
            self.url = url
        }
    }

    public struct ChatMessagePosted: Hashable, Sendable, Codable {
        public var conversationID: ConversationID
        public var messageID: ChatMessageID
        public var sequence: Int
        public init(conversationID: ConversationID, messageID: ChatMessageID, sequence: Int) {
            self.conversationID = conversationID
            self.messageID = messageID
            self.sequence = sequence
        }
    }

    public struct ChatIntentDetected: Hashable, Sendable, Codable {
        public var conversationID: ConversationID
        public var contactID: ContactID?
        public var intent: String
        public var confidence: Double
        public init(conversationID: ConversationID, contactID: ContactID?, intent: String, confidence: Double) {
            self.conversationID = conversationID
            self.contactID = contactID
            self.intent = intent
            self.confidence = confidence
        }
    }

    public struct ChatHandoffRequested: Hashable, Sendable, Codable {
        public var conversationID: ConversationID
        public var reason: String
        public init(conversationID: ConversationID, reason: String) {
            self.conversationID = conversationID
            self.reason = reason
        }
    }

    public struct ChatClosed: Hashable, Sendable, Codable {
        public var conversationID: ConversationID
        public var closedBy: String
        public init(conversationID: ConversationID, closedBy: String) {
            self.conversationID = conversationID
            self.closedBy = closedBy
        }
    }

    public struct CampaignStatusChanged: Hashable, Sendable, Codable {
        public var campaignID: CampaignID
        public var from: Campaign.Status
        public var to: Campaign.Status
        public init(campaignID: CampaignID, from: Campaign.Status, to: Campaign.Status) {
            self.campaignID = campaignID
            self.from = from
            self.to = to
        }
    }

    public struct RelayStateChanged: Hashable, Sendable, Codable {
        public var relay: String
        public var from: String
        public var to: String
        public var reason: String
        public init(relay: String, from: String, to: String, reason: String) {
            self.relay = relay
            self.from = from
            self.to = to
            self.reason = reason
        }
    }

    public var kind: DomainEvent.Kind {
        switch self {
        case .contactSignedUp: .contactSignedUp
        case .contactConfirmed: .contactConfirmed
        case .contactDeclined: .contactDeclined
        case .contactUnsubscribed: .contactUnsubscribed
        case .emailSent: .emailSent
        case .emailFailed: .emailFailed
        case .emailBounced: .emailBounced
        case .emailOpened: .emailOpened
        case .emailClicked: .emailClicked
        case .chatMessagePosted: .chatMessagePosted
        case .chatIntentDetected: .chatIntentDetected
        case .chatHandoffRequested: .chatHandoffRequested
        case .chatClosed: .chatClosed
        case .campaignStatusChanged: .campaignStatusChanged
        case .relayStateChanged: .relayStateChanged
        }
    }

    public var subject: String {
        switch self {
        case .contactSignedUp(let p): p.contactID.rawValue
        case .contactConfirmed(let p), .contactDeclined(let p): p.contactID.rawValue
        case .contactUnsubscribed(let p): p.contactID.rawValue
        case .emailSent(let p): p.jobID.rawValue
        case .emailFailed(let p): p.jobID.rawValue
        case .emailBounced(let p): p.recipient.canonical
        case .emailOpened(let p), .emailClicked(let p): p.jobID.rawValue
        case .chatMessagePosted(let p): p.conversationID.rawValue
        case .chatIntentDetected(let p): p.conversationID.rawValue
        case .chatHandoffRequested(let p): p.conversationID.rawValue
        case .chatClosed(let p): p.conversationID.rawValue
        case .campaignStatusChanged(let p): p.campaignID.rawValue
        case .relayStateChanged(let p): p.relay
        }
    }
}

extension EventPayload: Codable {
    private enum CodingKeys: String, CodingKey { case kind, data }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try container.decode(DomainEvent.Kind.self, forKey: .kind)
        switch kind {
        case .contactSignedUp: self = .contactSignedUp(try container.decode(ContactSignedUp.self, forKey: .data))
        case .contactConfirmed: self = .contactConfirmed(try container.decode(ContactConfirmed.self, forKey: .data))
        case .contactDeclined: self = .contactDeclined(try container.decode(ContactConfirmed.self, forKey: .data))
        case .contactUnsubscribed: self = .contactUnsubscribed(try container.decode(ContactUnsubscribed.self, forKey: .data))
        case .emailSent: self = .emailSent(try container.decode(EmailSent.self, forKey: .data))
        case .emailFailed: self = .emailFailed(try container.decode(EmailFailed.self, forKey: .data))
        case .emailBounced: self = .emailBounced(try container.decode(EmailBounced.self, forKey: .data))
        case .emailOpened: self = .emailOpened(try container.decode(EmailEngagement.self, forKey: .data))
        case .emailClicked: self = .emailClicked(try container.decode(EmailEngagement.self, forKey: .data))
        case .chatMessagePosted: self = .chatMessagePosted(try container.decode(ChatMessagePosted.self, forKey: .data))
        case .chatIntentDetected: self = .chatIntentDetected(try container.decode(ChatIntentDetected.self, forKey: .data))
        case .chatHandoffRequested: self = .chatHandoffRequested(try container.decode(ChatHandoffRequested.self, forKey: .data))
        case .chatClosed: self = .chatClosed(try container.decode(ChatClosed.self, forKey: .data))
        case .campaignStatusChanged: self = .campaignStatusChanged(try container.decode(CampaignStatusChanged.self, forKey: .data))
        case .relayStateChanged: self = .relayStateChanged(try container.decode(RelayStateChanged.self, forKey: .data))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        switch self {
        case .contactSignedUp(let p): try container.encode(p, forKey: .data)
        case .contactConfirmed(let p), .contactDeclined(let p): try container.encode(p, forKey: .data)
        case .contactUnsubscribed(let p): try container.encode(p, forKey: .data)
        case .emailSent(let p): try container.encode(p, forKey: .data)
        case .emailFailed(let p): try container.encode(p, forKey: .data)
        case .emailBounced(let p): try container.encode(p, forKey: .data)
        case .emailOpened(let p), .emailClicked(let p): try container.encode(p, forKey: .data)
        case .chatMessagePosted(let p): try container.encode(p, forKey: .data)
        case .chatIntentDetected(let p): try container.encode(p, forKey: .data)
        case .chatHandoffRequested(let p): try container.encode(p, forKey: .data)
        case .chatClosed(let p): try container.encode(p, forKey: .data)
        case .campaignStatusChanged(let p): try container.encode(p, forKey: .data)
        case .relayStateChanged(let p): try container.encode(p, forKey: .data)
        }
    }
}
