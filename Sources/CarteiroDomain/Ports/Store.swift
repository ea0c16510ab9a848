/// Everything Carteiro keeps, behind one backend (embedded SQLite or MongoDB).
public protocol Store: Sendable {
    var contacts: any AggregateRepository<Contact> { get }
    var contactLists: any AggregateRepository<ContactList> { get }
    var templates: any AggregateRepository<Template> { get }
    /// Revisions of templates that later ones replaced.
    var templateRevisions: any AggregateRepository<TemplateRevision> { get }
    var segments: any AggregateRepository<Segment> { get }
    var campaigns: any AggregateRepository<Campaign> { get }
    var conversations: any AggregateRepository<Conversation> { get }
    /// Every conversation's messages, in sequence order.
    var chatMessages: any ChatMessageLog { get }
    var automations: any AggregateRepository<Automation> { get }
    var sends: any AggregateRepository<Send> { get }
    var emailJobs: any EmailJobQueue { get }
    var events: any EventLog { get }
    /// Relay health and breaker states shared by the worker processes.
    var relayStates: any RelayStateBoard { get }
    /// Per-recipient-domain rate limits shared by the worker processes.
    var throttle: any DeliveryThrottle { get }
    /// Sign-ups waiting for, or given, their answer by reply or link.
    var signUps: any AggregateRepository<SignUp> { get }
    /// What the inbox watcher read and did, one record per mailbox message.
    var inboxMessages: any AggregateRepository<InboxMessage> { get }
    /// Per mailbox, how far the inbox watcher has read and who holds its lease.
    var mailboxCursors: any AggregateRepository<MailboxCursor> { get }
    /// Outgoing webhooks: receivers, the kinds they want, their secrets.
    var webhooks: any AggregateRepository<Webhook> { get }
    /// Per webhook, how far its deliveries have gone in the event log and who holds its lease.
    var webhookCursors: any AggregateRepository<WebhookCursor> { get }
    /// The delivery log: one record per webhook and event sent to it.
    var webhookDeliveries: any AggregateRepository<WebhookDelivery> { get }
    /// Agent and admin tokens (hashes only).
    var accessTokens: any AccessTokenStore { get }
    /// Opens and clicks of the mail sent.
    var engagement: any EngagementLog { get }
    /// Secrets shared by every process (the link-signing key).
    var secrets: any ServerSecrets { get }

    /// A short description for logs, with credentials masked.
    var displayName: String { get }
    /// Throws when the backend does not answer.
    func ping() async throws
    /// Throws when the backend answers but would refuse a write: a read-only file, folder or
    /// mount, a database user without write rights, a replica set without a primary. Leaves
    /// nothing behind that a reader could see, and waits a few seconds at most.
    func checkWritable() async throws
    /// Background upkeep the backend needs while it is open (the embedded store copies its
    /// write-ahead log back into its file), until the calling task is cancelled. The owner of the
    /// store's lifetime runs it; nothing runs on its own.
    func runMaintenance() async
    func close() async
}

extension Store {
    public func runMaintenance() async {}
}
