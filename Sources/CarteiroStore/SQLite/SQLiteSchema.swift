import CarteiroDomain
import Foundation
import GRDB

/// The embedded store's schema, as numbered migrations. A migration is never edited once
/// released: a change of schema is a new migration appended here.
enum SQLiteSchema {
    static let aggregateCollections = [
        Contact.collection, ContactList.collection, Template.collection, Campaign.collection, Conversation.collection,
        Automation.collection,
    ]

    static func makeMigrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: aggregates, index entries, email jobs, event log") { db in
            for collection in aggregateCollections {
                try createAggregateTable(collection, in: db)
            }
            // One row per indexed value of an aggregate; unique fields are unique per collection.
            try db.execute(
                sql: """
                    CREATE TABLE index_entries (
                        collection TEXT NOT NULL,
                        field TEXT NOT NULL,
                        value TEXT NOT NULL,
                        id TEXT NOT NULL,
                        is_unique INTEGER NOT NULL,
                        PRIMARY KEY (collection, field, value, id)
                    ) WITHOUT ROWID;
                    CREATE UNIQUE INDEX index_entries_unique ON index_entries (collection, field, value) WHERE is_unique = 1;
                    CREATE INDEX index_entries_by_id ON index_entries (collection, id);
                    """)
            try db.execute(
                sql: """
                    CREATE TABLE email_jobs (
                        id TEXT PRIMARY KEY NOT NULL,
                        send_id TEXT NOT NULL,
                        campaign_id TEXT,
                        contact_id TEXT,
                        recipient TEXT NOT NULL,
                        recipient_key TEXT NOT NULL,
                        stream_priority INTEGER NOT NULL,
                        status TEXT NOT NULL,
                        attempts INTEGER NOT NULL,
                        due_at INTEGER NOT NULL,
                        lease_owner TEXT,
                        lease_token TEXT,
                        lease_expires_at INTEGER,
                        relay TEXT,
                        last_error BLOB,
                        created_at INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL,
                        body BLOB NOT NULL
                    ) WITHOUT ROWID;
                    CREATE UNIQUE INDEX email_jobs_recipient_per_send ON email_jobs (send_id, recipient_key);
                    CREATE INDEX email_jobs_due ON email_jobs (stream_priority, due_at) WHERE status IN ('queued', 'retry_scheduled');
                    CREATE INDEX email_jobs_lease_expiry ON email_jobs (lease_expires_at) WHERE status = 'leased';
                    CREATE INDEX email_jobs_send_status ON email_jobs (send_id, status);
                    """)
            try db.execute(
                sql: """
                    CREATE TABLE events (
                        position INTEGER PRIMARY KEY AUTOINCREMENT,
                        id TEXT NOT NULL UNIQUE,
                        kind TEXT NOT NULL,
                        subject TEXT NOT NULL,
                        occurred_at INTEGER NOT NULL,
                        payload BLOB NOT NULL
                    );
                    CREATE TABLE subscriber_checkpoints (
                        subscriber TEXT PRIMARY KEY NOT NULL,
                        position INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    CREATE TABLE parked_events (
                        subscriber TEXT NOT NULL,
                        event_id TEXT NOT NULL,
                        position INTEGER NOT NULL,
                        error TEXT NOT NULL,
                        parked_at INTEGER NOT NULL,
                        PRIMARY KEY (subscriber, event_id)
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v2: sends") { db in
            try db.execute(
                sql: "CREATE TABLE \(Send.collection) (id TEXT PRIMARY KEY NOT NULL, version INTEGER NOT NULL, body BLOB NOT NULL) WITHOUT ROWID")
        }
        migrator.registerMigration("v3: relay states, delivery throttle, stream stats") { db in
            try db.execute(
                sql: """
                    CREATE TABLE relay_probes (
                        relay TEXT PRIMARY KEY NOT NULL,
                        worker TEXT NOT NULL,
                        at_ms INTEGER NOT NULL,
                        failure BLOB
                    ) WITHOUT ROWID;
                    CREATE TABLE relay_breakers (
                        relay TEXT NOT NULL,
                        worker TEXT NOT NULL,
                        state TEXT NOT NULL,
                        open_until_ms INTEGER,
                        at_ms INTEGER NOT NULL,
                        PRIMARY KEY (relay, worker)
                    ) WITHOUT ROWID;
                    """)
            // Minute first, so the rows of past minutes are one key range to delete.
            try db.execute(
                sql: """
                    CREATE TABLE delivery_rates (
                        minute INTEGER NOT NULL,
                        domain TEXT NOT NULL,
                        used INTEGER NOT NULL,
                        PRIMARY KEY (minute, domain)
                    ) WITHOUT ROWID;
                    CREATE TABLE delivery_slots (
                        domain TEXT NOT NULL,
                        slot INTEGER NOT NULL,
                        holder TEXT,
                        expires_at_ms INTEGER,
                        PRIMARY KEY (domain, slot)
                    ) WITHOUT ROWID;
                    """)
            // Covers the stream stats query: counts and oldest creation time per stream from the index alone.
            try db.execute(
                sql: """
                    CREATE INDEX email_jobs_waiting_age ON email_jobs (stream_priority, created_at)
                        WHERE status IN ('queued', 'retry_scheduled');
                    """)
        }
        migrator.registerMigration("v4: chat messages") { db in
            // The primary key is what makes two writers of one sequence collide; the partial
            // unique index is what makes a resent client message idempotent.
            try db.execute(
                sql: """
                    CREATE TABLE chat_messages (
                        conversation_id TEXT NOT NULL,
                        sequence INTEGER NOT NULL,
                        id TEXT NOT NULL,
                        client_message_id TEXT,
                        body BLOB NOT NULL,
                        created_at_ms INTEGER NOT NULL,
                        PRIMARY KEY (conversation_id, sequence)
                    ) WITHOUT ROWID;
                    CREATE UNIQUE INDEX chat_messages_client_id ON chat_messages (conversation_id, client_message_id)
                        WHERE client_message_id IS NOT NULL;
                    """)
        }
        migrator.registerMigration("v5: agent tokens") { db in
            try db.execute(
                sql: """
                    CREATE TABLE agent_tokens (
                        id TEXT PRIMARY KEY NOT NULL,
                        name TEXT NOT NULL,
                        scope TEXT NOT NULL,
                        token_hash TEXT NOT NULL UNIQUE,
                        revoked INTEGER NOT NULL,
                        created_at_ms INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    CREATE INDEX agent_tokens_name ON agent_tokens (name);
                    """)
        }
        migrator.registerMigration("v6: email job fields as columns") { db in
            try migrateEmailJobBodiesToColumns(db)
        }
        migrator.registerMigration("v7: email job routes") { db in
            // NULL: a job any worker may take (every job queued before routes existed).
            try db.execute(sql: "ALTER TABLE email_jobs ADD COLUMN route TEXT")
        }
        migrator.registerMigration("v8: token expiry and last use") { db in
            // NULL: a token that does not expire, or that was never used (every token made before).
            try db.execute(sql: "ALTER TABLE agent_tokens ADD COLUMN expires_at_ms INTEGER")
            try db.execute(sql: "ALTER TABLE agent_tokens ADD COLUMN last_used_at_ms INTEGER")
        }
        migrator.registerMigration("v10: segments and template revisions") { db in
            for collection in [Segment.collection, TemplateRevision.collection] {
                try createAggregateTable(collection, in: db)
            }
        }
        migrator.registerMigration("v11: sign-ups, inbox messages, mailbox cursors") { db in
            for collection in [SignUp.collection, InboxMessage.collection, MailboxCursor.collection] {
                try createAggregateTable(collection, in: db)
            }
        }
        migrator.registerMigration("v12: engagement and server secrets") { db in
            try db.execute(
                sql: """
                    CREATE TABLE engagement_hits (
                        id INTEGER PRIMARY KEY,
                        kind TEXT NOT NULL,
                        job_id TEXT NOT NULL,
                        send_id TEXT,
                        campaign_id TEXT,
                        contact_id TEXT,
                        link_index INTEGER,
                        url TEXT,
                        machine INTEGER NOT NULL,
                        user_agent TEXT,
                        at_ms INTEGER NOT NULL
                    );
                    CREATE INDEX engagement_hits_campaign ON engagement_hits (campaign_id, kind);
                    CREATE INDEX engagement_hits_contact ON engagement_hits (contact_id) WHERE contact_id IS NOT NULL;
                    CREATE TABLE engagement_firsts (
                        job_id TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        campaign_id TEXT,
                        at_ms INTEGER NOT NULL,
                        PRIMARY KEY (job_id, kind)
                    ) WITHOUT ROWID;
                    CREATE INDEX email_jobs_recipient ON email_jobs (recipient_key);
                    CREATE INDEX email_jobs_contact ON email_jobs (contact_id) WHERE contact_id IS NOT NULL;
                    CREATE INDEX email_jobs_sent_at ON email_jobs (updated_at) WHERE status = 'sent';
                    CREATE INDEX events_kind_time ON events (kind, occurred_at);
                    CREATE TABLE server_secrets (
                        name TEXT PRIMARY KEY NOT NULL,
                        value BLOB NOT NULL
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v13: webhooks") { db in
            for collection in [Webhook.collection, WebhookCursor.collection, WebhookDelivery.collection] {
                try createAggregateTable(collection, in: db)
            }
        }
        return migrator
    }

    /// A table of aggregates as JSON documents; their indexed values go to `index_entries`.
    private static func createAggregateTable(_ collection: String, in db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE \(collection) (
                    id TEXT PRIMARY KEY NOT NULL,
                    version INTEGER NOT NULL,
                    body BLOB NOT NULL
                ) WITHOUT ROWID
                """)
    }

    /// The fields of a job that only its JSON body held (recipient name, variables) get columns
    /// and the body goes: decoding it was most of what claiming a job cost. SQLite cannot drop a
    /// NOT NULL column in place, so the table is rebuilt, every job copied.
    private static func migrateEmailJobBodiesToColumns(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE email_jobs_new (
                    id TEXT PRIMARY KEY NOT NULL,
                    send_id TEXT NOT NULL,
                    campaign_id TEXT,
                    contact_id TEXT,
                    recipient TEXT NOT NULL,
                    recipient_key TEXT NOT NULL,
                    recipient_name TEXT,
                    stream_priority INTEGER NOT NULL,
                    variables BLOB,
                    status TEXT NOT NULL,
                    attempts INTEGER NOT NULL,
                    due_at INTEGER NOT NULL,
                    lease_owner TEXT,
                    lease_token TEXT,
                    lease_expires_at INTEGER,
                    relay TEXT,
                    last_error BLOB,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                ) WITHOUT ROWID;
                INSERT INTO email_jobs_new (id, send_id, campaign_id, contact_id, recipient, recipient_key, stream_priority, status,
                    attempts, due_at, lease_owner, lease_token, lease_expires_at, relay, last_error, created_at, updated_at)
                SELECT id, send_id, campaign_id, contact_id, recipient, recipient_key, stream_priority, status,
                    attempts, due_at, lease_owner, lease_token, lease_expires_at, relay, last_error, created_at, updated_at
                FROM email_jobs;
                """)
        // The body as v1 to v4 wrote it; only the two fields that had no column are read.
        struct StoredBody: Decodable {
            var recipientName: String?
            var variables: [String: String]?
        }
        let decoder = JSONDecoder()
        let update = try db.makeStatement(sql: "UPDATE email_jobs_new SET recipient_name = ?, variables = ? WHERE id = ?")
        let bodies = try Row.fetchCursor(db, sql: "SELECT id, body FROM email_jobs")
        while let row = try bodies.next() {
            let body = try decoder.decode(StoredBody.self, from: row["body"] as Data)
            let variables = SQLiteJobVariables.encode(body.variables ?? [:])
            guard body.recipientName != nil || variables != nil else { continue }
            try update.execute(arguments: [body.recipientName, variables, row["id"] as String])
        }
        try db.execute(
            sql: """
                DROP TABLE email_jobs;
                ALTER TABLE email_jobs_new RENAME TO email_jobs;
                CREATE UNIQUE INDEX email_jobs_recipient_per_send ON email_jobs (send_id, recipient_key);
                CREATE INDEX email_jobs_due ON email_jobs (stream_priority, due_at) WHERE status IN ('queued', 'retry_scheduled');
                CREATE INDEX email_jobs_lease_expiry ON email_jobs (lease_expires_at) WHERE status = 'leased';
                CREATE INDEX email_jobs_send_status ON email_jobs (send_id, status);
                CREATE INDEX email_jobs_waiting_age ON email_jobs (stream_priority, created_at) WHERE status IN ('queued', 'retry_scheduled');
                """)
    }
}
