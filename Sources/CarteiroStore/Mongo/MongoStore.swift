public import CarteiroDomain
import Foundation
public import Logging
public import MongoKit

/// The production store: MongoDB through libmongoc. Many Carteiro processes, each with its own
/// roles, share one deployment. Needs a replica set (transactions and change streams): a
/// single-node one is enough (`docker-compose.yml` starts `mongo --replSet rs0`).
public final class MongoStore: Store {
    public struct Configuration: Sendable {
        public var uri: String
        /// Threads that run blocking libmongoc calls (and the maximum connections in use).
        public var threads: Int
        /// How long the start-up check waits for a server before giving up.
        public var connectTimeout: Duration
        /// Read and write concerns of every operation and transaction (default: majority).
        public var concerns: MongoConcerns
        /// Index each non-unique indexed field together with `_id` (`{field: 1, _id: 1}`), so a
        /// page of "status = pending, after cursor" is an index range with no sort stage. Only
        /// for servers that cannot build such an index (nx-27017 fails inserts with one).
        public var compoundPagingIndexes: Bool

        public init(
            uri: String, threads: Int = 8, connectTimeout: Duration = .seconds(5), concerns: MongoConcerns = .majority,
            compoundPagingIndexes: Bool = true
        ) {
            self.uri = uri
            self.threads = threads
            self.connectTimeout = connectTimeout
            self.concerns = concerns
            self.compoundPagingIndexes = compoundPagingIndexes
        }
    }

    /// The concerns a connection string asks for (`w=…`, `readConcernLevel=…`), majority for
    /// whatever it leaves out.
    public static func concerns(fromURI uri: String) -> MongoConcerns {
        let query = URLComponents(string: uri)?.queryItems ?? []
        func value(_ name: String) -> String? { query.first { $0.name.lowercased() == name.lowercased() }?.value }
        var writeConcern = MongoConcerns.WriteConcern.majority
        if let w = value("w") { writeConcern = .init(stringLiteral: w) }
        var readConcern = MongoConcerns.ReadConcern.majority
        if let level = value("readConcernLevel") { readConcern = .init(level: level) }
        return MongoConcerns(writeConcern: writeConcern, readConcern: readConcern)
    }

    public let contacts: any AggregateRepository<Contact>
    public let contactLists: any AggregateRepository<ContactList>
    public let templates: any AggregateRepository<Template>
    public let templateRevisions: any AggregateRepository<TemplateRevision>
    public let segments: any AggregateRepository<Segment>
    public let signUps: any AggregateRepository<SignUp>
    public let inboxMessages: any AggregateRepository<InboxMessage>
    public let mailboxCursors: any AggregateRepository<MailboxCursor>
    public let webhooks: any AggregateRepository<Webhook>
    public let webhookCursors: any AggregateRepository<WebhookCursor>
    public let webhookDeliveries: any AggregateRepository<WebhookDelivery>
    public let campaigns: any AggregateRepository<Campaign>
    public let conversations: any AggregateRepository<Conversation>
    public let chatMessages: any ChatMessageLog
    public let automations: any AggregateRepository<Automation>
    public let sends: any AggregateRepository<Send>
    public let emailJobs: any EmailJobQueue
    public let events: any EventLog
    public let relayStates: any RelayStateBoard
    public let throttle: any DeliveryThrottle
    public let accessTokens: any AccessTokenStore
    public let engagement: any EngagementLog
    public let secrets: any ServerSecrets
    public let displayName: String

    private let database: MongoDatabase

    private init(database: MongoDatabase, clock: any WallClock) {
        self.database = database
        self.displayName = database.pool.redactedURI
        contacts = MongoAggregateRepository<Contact>(database: database)
        contactLists = MongoAggregateRepository<ContactList>(database: database)
        templates = MongoAggregateRepository<Template>(database: database)
        templateRevisions = MongoAggregateRepository<TemplateRevision>(database: database)
        segments = MongoAggregateRepository<Segment>(database: database)
        signUps = MongoAggregateRepository<SignUp>(database: database)
        inboxMessages = MongoAggregateRepository<InboxMessage>(database: database)
        mailboxCursors = MongoAggregateRepository<MailboxCursor>(database: database)
        webhooks = MongoAggregateRepository<Webhook>(database: database)
        webhookCursors = MongoAggregateRepository<WebhookCursor>(database: database)
        webhookDeliveries = MongoAggregateRepository<WebhookDelivery>(database: database)
        campaigns = MongoAggregateRepository<Campaign>(database: database)
        conversations = MongoAggregateRepository<Conversation>(database: database)
        chatMessages = MongoChatMessageLog(database: database)
        automations = MongoAggregateRepository<Automation>(database: database)
        sends = MongoAggregateRepository<Send>(database: database)
        emailJobs = MongoEmailJobQueue(database: database, clock: clock)
        events = MongoEventLog(database: database)
        relayStates = MongoRelayStateBoard(database: database)
        throttle = MongoDeliveryThrottle(database: database)
        accessTokens = MongoAccessTokenStore(database: database)
        engagement = MongoEngagementLog(database: database)
        secrets = MongoServerSecrets(database: database)
    }

    /// Connects, checks that a server answers within `connectTimeout` (a clear error naming the
    /// URL, credentials masked, rather than a hang) and creates the indexes.
    public static func connect(configuration: Configuration, clock: any WallClock = SystemWallClock(), logger: Logger) async throws -> MongoStore {
        let pool: MongoClientPool
        do {
            pool = try MongoClientPool(uri: configuration.uri, threadCount: configuration.threads, concerns: configuration.concerns)
        } catch {
            throw StoreError(.invalidConfiguration, "invalid MongoDB URL: \(error.message)")
        }
        do {
            try await pool.ping(timeout: configuration.connectTimeout)
        } catch {
            await pool.close()
            throw StoreError(.unavailable, "MongoDB at \(pool.redactedURI) does not answer: \(error.message)")
        }
        let database = MongoDatabase(pool: pool, logger: logger)
        try await database.createIndexes(compoundPaging: configuration.compoundPagingIndexes)
        return MongoStore(database: database, clock: clock)
    }

    public func ping() async throws {
        do {
            try await database.pool.ping(timeout: .seconds(2))
        } catch {
            throw StoreError(.unavailable, "MongoDB at \(database.pool.redactedURI) does not answer: \(error.message)")
        }
    }

    /// Upserts one small document into `store_health` (its `_id` is this probe's, its `at` the
    /// time): a write with the store's write concern, so it fails without a primary, without
    /// write rights or on a full disk. Bounded like `ping`.
    public func checkWritable() async throws {
        let at = BSON.int64(Int64((Date().timeIntervalSince1970 * 1000).rounded()))
        do {
            try await database.pool.withConnection(timeout: .seconds(3), doing: "acknowledged write") { connection throws(MongoError) in
                _ = try connection.updateOne(
                    filter: ["_id": "write-probe"], update: ["$set": ["at": at]], in: MongoDatabase.healthCollection, upsert: true)
            }
        } catch {
            throw StoreError(.unavailable, "MongoDB at \(database.pool.redactedURI) cannot be written: \(error.message)")
        }
    }

    public func close() async {
        database.notifier.finishAll()
        await database.pool.close()
    }
}

/// The pool, the collection names and the helpers all Mongo repositories share.
final class MongoDatabase: Sendable {
    let pool: MongoClientPool
    let notifier = AppendNotifier()
    let logger: Logger

    static let eventsCollection = "events"
    static let countersCollection = "counters"
    static let checkpointsCollection = "subscriber_checkpoints"
    static let parkedCollection = "parked_events"
    static let emailJobsCollection = "email_jobs"
    static let relayProbesCollection = "relay_probes"
    static let relayBreakersCollection = "relay_breakers"
    static let deliveryRatesCollection = "delivery_rates"
    static let deliverySlotsCollection = "delivery_slots"
    static let chatMessagesCollection = "chat_messages"
    static let accessTokensCollection = "agent_tokens"
    /// One document, rewritten by each readiness probe's write.
    static let healthCollection = "store_health"

    init(pool: MongoClientPool, logger: Logger) {
        self.pool = pool
        self.logger = logger
    }

    /// Runs `body` on the pool's threads with one connection, mapping driver errors to `StoreError`.
    func run<T: Sendable>(signalsAppend: Bool = false, _ body: @escaping @Sendable (MongoConnection) throws -> T) async throws -> T {
        do {
            let result = try await pool.withConnection(body)
            if signalsAppend { notifier.signal() }
            return result
        } catch let error as MongoError {
            throw Self.storeError(error)
        }
    }

    /// Runs `body` in a transaction when it appends events (the outbox needs the state change and
    /// its events in one commit), directly otherwise.
    func write<T: Sendable>(appendsEvents: Bool, _ body: @escaping @Sendable (MongoConnection, MongoSession?) throws -> T) async throws -> T {
        try await run(signalsAppend: appendsEvents) { connection in
            if appendsEvents {
                return try connection.withTransaction { session in try body(connection, session) }
            }
            return try body(connection, nil)
        }
    }

    static func storeError(_ error: MongoError) -> StoreError {
        if error.isDuplicateKey { return StoreError(.duplicate, error.message) }
        if error.isTimeout { return StoreError(.timeout, "MongoDB timed out: \(error.message)") }
        if error.isServerUnreachable { return StoreError(.unavailable, "MongoDB is unreachable: \(error.message)") }
        return StoreError(.unavailable, "MongoDB: \(error.message)")
    }

    func createIndexes(compoundPaging: Bool) async throws {
        try await run { connection in
            for (collection, fields) in Self.aggregateIndexes {
                let indexes = fields.map { field in
                    field.unique
                        ? MongoIndex(
                            keys: ["_idx.\(field.name)": 1], name: "\(field.name)_unique", unique: true,
                            partialFilter: ["_idx.\(field.name)": ["$exists": true]])
                        : MongoIndex(
                            keys: compoundPaging ? ["_idx.\(field.name)": 1, "_id": 1] : ["_idx.\(field.name)": 1],
                            name: compoundPaging ? "\(field.name)_id" : field.name)
                }
                if !indexes.isEmpty { try connection.createIndexes(indexes, on: collection) }
            }
            try connection.createIndexes(
                [
                    MongoIndex(keys: ["sendID": 1, "recipientKey": 1], name: "recipient_per_send", unique: true),
                    MongoIndex(keys: ["status": 1, "streamPriority": 1, "dueAt": 1], name: "due"),
                    MongoIndex(keys: ["status": 1, "lease.expiresAt": 1], name: "lease_expiry"),
                    MongoIndex(keys: ["lease.token": 1], name: "lease_token"),
                    MongoIndex(keys: ["sendID": 1, "status": 1], name: "send_status"),
                    MongoIndex(keys: ["status": 1, "streamPriority": 1, "createdAt": 1], name: "waiting_age"),
                    MongoIndex(keys: ["recipientKey": 1], name: "recipient"),
                    MongoIndex(keys: ["contactID": 1], name: "contact"),
                ], on: Self.emailJobsCollection)
            // Each minute's allowance documents go a minute after their minute ends.
            try connection.createIndexes(
                [MongoIndex(keys: ["expireAt": 1], name: "expire_at", expireAfterSeconds: 0)], on: Self.deliveryRatesCollection)
            try connection.createIndexes(
                [MongoIndex(keys: ["position": 1], name: "position", unique: true), MongoIndex(keys: ["occurredAt": 1], name: "occurred_at")],
                on: Self.eventsCollection)
            try connection.createIndexes(
                [MongoIndex(keys: ["subscriber": 1, "position": 1], name: "subscriber_position")], on: Self.parkedCollection)
            try connection.createIndexes(
                [
                    MongoIndex(keys: ["conversationID": 1, "sequence": 1], name: "conversation_sequence"),
                    MongoIndex(
                        keys: ["conversationID": 1, "clientMessageID": 1], name: "client_message_id", unique: true,
                        partialFilter: ["clientMessageID": ["$exists": true]]),
                ], on: Self.chatMessagesCollection)
            try connection.createIndexes(
                [MongoIndex(keys: ["tokenHash": 1], name: "token_hash", unique: true), MongoIndex(keys: ["name": 1], name: "name")],
                on: Self.accessTokensCollection)
            try connection.createIndexes(
                [MongoIndex(keys: ["campaignID": 1], name: "campaign"), MongoIndex(keys: ["contactID": 1], name: "contact")],
                on: MongoEngagementLog.hitsCollection)
        }
    }

    private static let aggregateIndexes: [(String, [(name: String, unique: Bool)])] = [
        (Contact.collection, Contact.indexedFields.map { ($0.name, $0.unique) }),
        (ContactList.collection, ContactList.indexedFields.map { ($0.name, $0.unique) }),
        (Template.collection, Template.indexedFields.map { ($0.name, $0.unique) }),
        (TemplateRevision.collection, TemplateRevision.indexedFields.map { ($0.name, $0.unique) }),
        (Segment.collection, Segment.indexedFields.map { ($0.name, $0.unique) }),
        (Campaign.collection, Campaign.indexedFields.map { ($0.name, $0.unique) }),
        (Conversation.collection, Conversation.indexedFields.map { ($0.name, $0.unique) }),
        (Automation.collection, Automation.indexedFields.map { ($0.name, $0.unique) }),
        (Send.collection, Send.indexedFields.map { ($0.name, $0.unique) }),
        (SignUp.collection, SignUp.indexedFields.map { ($0.name, $0.unique) }),
        (InboxMessage.collection, InboxMessage.indexedFields.map { ($0.name, $0.unique) }),
        (MailboxCursor.collection, MailboxCursor.indexedFields.map { ($0.name, $0.unique) }),
        (Webhook.collection, Webhook.indexedFields.map { ($0.name, $0.unique) }),
        (WebhookCursor.collection, WebhookCursor.indexedFields.map { ($0.name, $0.unique) }),
        (WebhookDelivery.collection, WebhookDelivery.indexedFields.map { ($0.name, $0.unique) }),
    ]
}

extension Date {
    /// BSON dates hold whole milliseconds; rounding here keeps both backends' values equal.
    var bsonRounded: Date { Date(timeIntervalSince1970: (timeIntervalSince1970 * 1000).rounded() / 1000) }
}
