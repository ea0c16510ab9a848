import CarteiroDomain
import CarteiroTesting
import Foundation
import GRDB
import Testing

@testable import CarteiroStore

@Suite struct SQLiteEmailJobMigrationTests {
    /// Jobs as v1 to v4 wrote them: the fixed fields in a JSON body, the mutable state in columns.
    @Test func jobsQueuedBeforeTheJobColumnsMigrationKeepEveryFieldAfterIt() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let path = folder.path + "/carteiro.sqlite"
        let old = try DatabaseQueue(path: path)
        try SQLiteSchema.makeMigrator().migrate(old, upTo: "v4: chat messages")
        let created: Int64 = 1_790_000_000_000
        try await old.write { db in
            let insert = """
                INSERT INTO email_jobs (id, send_id, campaign_id, contact_id, recipient, recipient_key, stream_priority, status, attempts,
                    due_at, lease_owner, lease_token, lease_expires_at, relay, last_error, created_at, updated_at, body)
                VALUES (?, 'send-1', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
            try db.execute(
                sql: insert,
                arguments: [
                    "job-rich", "campaign-1", "contact-1", "Ana@Example.com", "ana@example.com", 0, "retry_scheduled", 1, created, nil, nil, nil,
                    "relay-a", Data(#"{"replyCode":451,"text":"try later"}"#.utf8), created, created + 5,
                    Data(
                        #"""
                        {"attempts":0,"campaignID":"campaign-1","contactID":"contact-1","createdAt":1790000000000,"dueAt":1790000000000,"id":"job-rich","recipient":"Ana@Example.com","recipientName":"Ana \"Aninha\" Souza","sendID":"send-1","status":"queued","stream":"transactional","updatedAt":1790000000000,"variables":{"cidade":"S\u00e3o Paulo","plano":"Fibra 3"}}
                        """#.utf8),
                ])
            try db.execute(
                sql: insert,
                arguments: [
                    "job-plain", nil, nil, "bia@example.com", "bia@example.com", 1, "leased", 1, created, "worker/0", "token-1", created + 60_000,
                    nil, nil, created, created,
                    Data(
                        #"""
                        {"attempts":0,"createdAt":1790000000000,"dueAt":1790000000000,"id":"job-plain","recipient":"bia@example.com","sendID":"send-1","status":"queued","stream":"bulk","updatedAt":1790000000000,"variables":{}}
                        """#.utf8),
                ])
        }
        try old.close()

        // Past the retry's due time, before the lease of the other job runs out.
        let clock = ManualClock(Date(timeIntervalSince1970: 1_790_000_030))
        let store = try SQLiteStore(configuration: .init(path: path), clock: clock)
        defer { Task { await store.close() } }
        let rich = try #require(try await store.emailJobs.get(EmailJobID(rawValue: "job-rich")))
        #expect(rich.sendID == SendID(rawValue: "send-1"))
        #expect(rich.campaignID == CampaignID(rawValue: "campaign-1"))
        #expect(rich.contactID == ContactID(rawValue: "contact-1"))
        #expect(rich.recipient.value == "Ana@Example.com")
        #expect(rich.recipientName == #"Ana "Aninha" Souza"#)
        #expect(rich.stream == .transactional)
        #expect(rich.variables == ["cidade": "São Paulo", "plano": "Fibra 3"])
        #expect(rich.status == .retryScheduled)
        #expect(rich.attempts == 1)
        #expect(rich.relay == "relay-a")
        #expect(rich.lastError == DeliveryFailure(replyCode: 451, text: "try later"))
        #expect(rich.updatedAt == Date(timeIntervalSince1970: 1_790_000_000.005))

        let plain = try #require(try await store.emailJobs.get(EmailJobID(rawValue: "job-plain")))
        #expect(plain.recipientName == nil)
        #expect(plain.variables.isEmpty)
        #expect(plain.stream == .bulk)
        #expect(plain.lease == Lease(owner: "worker/0", token: "token-1", expiresAt: Date(timeIntervalSince1970: 1_790_000_060)))

        // The migrated jobs are still work: the retry is due and claimed; the unique index per
        // send and recipient still refuses a second job for Ana.
        let claimed = try await store.emailJobs.claim(
            ClaimRequest(owner: "w", limit: 10, leaseDuration: .seconds(60), now: clock.now()))
        #expect(claimed.map(\.id) == [EmailJobID(rawValue: "job-rich")])
        #expect(claimed.first?.variables == rich.variables)
        let again = try await store.emailJobs.enqueue(
            [
                EmailJob(
                    sendID: SendID(rawValue: "send-1"), recipient: try EmailAddress("ana@example.com"), stream: .bulk, dueAt: clock.now(),
                    createdAt: clock.now())
            ], events: [])
        #expect(again.duplicates == 1)
    }
}

@Suite struct SQLiteJobVariablesTests {
    @Test func variablesComeBackAsTheyWereStored() throws {
        let cases: [[String: String]] = [
            ["plano": "Fibra 3"],
            ["": "", "nul": "a\u{0}b", "emoji": "🎉 ção", "long": String(repeating: "y", count: 20_000)],
        ]
        for variables in cases {
            #expect(try SQLiteJobVariables.decode(SQLiteJobVariables.encode(variables)) == variables)
        }
        #expect(SQLiteJobVariables.encode([:]) == nil)
        #expect(try SQLiteJobVariables.decode(nil) == [:])
    }

    @Test func truncatedVariablesAreReportedAsCorrupt() throws {
        let stored = try #require(SQLiteJobVariables.encode(["plano": "Fibra 3"]))
        #expect(throws: StoreError.self) { try SQLiteJobVariables.decode(stored.dropLast()) }
    }
}
