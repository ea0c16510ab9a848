/// A field of an aggregate the store indexes, so that it can be found by value.
///
/// Both backends build their indexes from this one description. A field may hold several
/// values (tags); a `unique` field holds at most one, and no two aggregates may share it.
public struct IndexedField<Root>: Sendable {
    public let name: String
    public let unique: Bool
    /// Whether the field holds a list of values (tags) rather than at most one.
    public let multiValued: Bool
    public let values: @Sendable (Root) -> [String]

    public static func single(_ name: String, unique: Bool = false, _ value: @escaping @Sendable (Root) -> String?) -> Self {
        .init(name: name, unique: unique, multiValued: false, values: { value($0).map { [$0] } ?? [] })
    }

    public static func multiple(_ name: String, _ values: @escaping @Sendable (Root) -> [String]) -> Self {
        .init(name: name, unique: false, multiValued: true, values: values)
    }

    private init(name: String, unique: Bool, multiValued: Bool, values: @escaping @Sendable (Root) -> [String]) {
        self.name = name
        self.unique = unique
        self.multiValued = multiValued
        self.values = values
    }
}

/// An aggregate that knows where it is stored and which of its fields are indexed.
public protocol StoredAggregate: Aggregate {
    /// Table or collection name.
    static var collection: String { get }
    static var indexedFields: [IndexedField<Self>] { get }
}

extension Contact: StoredAggregate {
    public static let collection = "contacts"
    public static let indexedFields: [IndexedField<Contact>] = [
        // An erased contact has no address to index; its hash is indexed instead.
        .single("email", unique: true) { $0.status == .erased ? nil : $0.email.canonical },
        .single("status") { $0.status.rawValue },
        .multiple("tag") { $0.tags.sorted() },
        .single("erased") { $0.erasedAddressHash },
    ]
}

extension ContactList: StoredAggregate {
    public static let collection = "contact_lists"
    public static let indexedFields: [IndexedField<ContactList>] = [.single("name", unique: true) { $0.name.lowercased() }]
}

extension Template: StoredAggregate {
    public static let collection = "templates"
    public static let indexedFields: [IndexedField<Template>] = [.single("name", unique: true) { $0.name.lowercased() }]
}

extension TemplateRevision: StoredAggregate {
    public static let collection = "template_revisions"
    public static let indexedFields: [IndexedField<TemplateRevision>] = [.single("template") { $0.templateID.rawValue }]
}

extension Segment: StoredAggregate {
    public static let collection = "segments"
    public static let indexedFields: [IndexedField<Segment>] = [.single("name", unique: true) { $0.name.lowercased() }]
}

extension Campaign: StoredAggregate {
    public static let collection = "campaigns"
    public static let indexedFields: [IndexedField<Campaign>] = [.single("status") { $0.status.rawValue }]
}

extension Conversation: StoredAggregate {
    public static let collection = "conversations"
    public static let indexedFields: [IndexedField<Conversation>] = [
        .single("status") { $0.status.rawValue },
        .single("customer") { $0.customerID },
        .single("owner") { $0.owner.indexValue },
        .single("resume", unique: true) { $0.resumeTokenHash },
        .multiple("email_message") { $0.emailThread?.messageIDs ?? [] },
        // Usage reports count conversations by the day they started, and those handed to agents.
        .single("created_day") { Conversation.day($0.createdAt) },
        .single("handed_created_day") { $0.handedOffAt == nil ? nil : Conversation.day($0.createdAt) },
    ]
}

extension Automation: StoredAggregate {
    public static let collection = "automations"
    public static let indexedFields: [IndexedField<Automation>] = [.single("trigger") { $0.trigger.rawValue }]
}

extension Send: StoredAggregate {
    public static let collection = "sends"
    public static let indexedFields: [IndexedField<Send>] = [.single("status") { $0.status.rawValue }]
}

extension SignUp: StoredAggregate {
    public static let collection = "sign_ups"
    public static let indexedFields: [IndexedField<SignUp>] = [
        .single("token", unique: true) { $0.token },
        .single("message", unique: true) { $0.confirmationMessageID },
        // Pending sign-ups only: a reply from an address is matched to the one awaiting it.
        .single("pending_email") { $0.status == .pending ? $0.email.canonical : nil },
        .single("contact") { $0.contactID.rawValue },
    ]
}

extension InboxMessage: StoredAggregate {
    public static let collection = "inbox_messages"
    public static let indexedFields: [IndexedField<InboxMessage>] = [
        .single("key", unique: true) { $0.key },
        .single("kind") { $0.kind.rawValue },
        .single("contact") { $0.contactID?.rawValue },
    ]
}

extension MailboxCursor: StoredAggregate {
    public static let collection = "mailbox_cursors"
    public static let indexedFields: [IndexedField<MailboxCursor>] = [.single("mailbox", unique: true) { $0.mailbox }]
}

extension Webhook: StoredAggregate {
    public static let collection = "webhooks"
    public static let indexedFields: [IndexedField<Webhook>] = []
}

extension WebhookCursor: StoredAggregate {
    public static let collection = "webhook_cursors"
    public static let indexedFields: [IndexedField<WebhookCursor>] = [.single("webhook", unique: true) { $0.webhookID.rawValue }]
}

extension WebhookDelivery: StoredAggregate {
    public static let collection = "webhook_deliveries"
    public static let indexedFields: [IndexedField<WebhookDelivery>] = [
        .single("key", unique: true) { $0.key },
        .single("webhook") { $0.webhookID.rawValue },
        // The delivery log filtered by status (`?status=parked`), and a loop's queued replays.
        .single("webhook_status") { "\($0.webhookID.rawValue)/\($0.status.rawValue)" },
    ]
}
