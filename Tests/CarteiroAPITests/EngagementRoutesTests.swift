import CarteiroAPI
import CarteiroDomain
import CarteiroMail
import CarteiroStoreTesting
import CarteiroUseCases
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// The public links of bulk mail: the pixel and the click count (a person's first once, a
/// scanner's apart), a click leads only to its own URL, forged tokens get 404 and never a
/// redirect, and the one-click POST unsubscribes at once and stops the queued bulk mail.
@Suite struct EngagementRoutesTests {
    static let links = MailLinks(publicURL: "https://mail.loja.example", signer: LinkSigner(secret: Array("engagement routes test secret!!!".utf8)))

    struct Setup {
        let store: any Store
        let contact: Contact
        let campaign: CampaignID
        let job: EmailJob
        let recorder: EngagementRecorder
    }

    private func with(_ backend: Backend, _ body: @escaping @Sendable (Setup, any TestClientProtocol) async throws -> Void) async throws {
        try await StoreFixture.with(backend) { fixture in
            let store = fixture.store
            let now = Date()
            var ana = try Contact(email: try EmailAddress("ana@exemplo.com.br"), createdAt: now)
            try ana.confirm(.init(at: now, method: .api, evidence: "test"))
            let contact = try await store.contacts.insert(ana)
            let campaign = CampaignID()
            let send = try await store.sends.insert(
                try Send(campaignID: campaign, stream: .bulk, from: try EmailAddress("ofertas@loja.example"), subject: "Oferta", htmlBody: "<p>x</p>",
                         textBody: nil, tracking: .all, createdAt: now))
            let job = EmailJob(
                sendID: send.id, campaignID: campaign, contactID: contact.id, recipient: contact.email, stream: .bulk, dueAt: now, createdAt: now)
            _ = try await store.emailJobs.enqueue([job], events: [])
            let recorder = EngagementRecorder(store: store)
            let router = Router()
            EngagementRoutes(store: store, links: Self.links, recorder: recorder, logger: Logger(label: "test.engagement")).register(on: router)
            try await Application(router: router).test(.router) { client in
                try await body(Setup(store: store, contact: contact, campaign: campaign, job: job, recorder: recorder), client)
            }
        }
    }

    private func path(_ url: String) -> String { String(url.dropFirst(Self.links.publicURL.count)) }

    @Test(arguments: Backend.allCases)
    func opensAndClicksAreRecordedAPersonsFirstOnceAndAClickLeadsOnlyToItsURL(_ backend: Backend) async throws {
        try await with(backend) { setup, client in
            let tokens = Self.links.trackingTokens
            let earlier = Date().addingTimeInterval(-3_600)
            let person = [HTTPField(name: .userAgent, value: "Mozilla/5.0 (Macintosh) AppleWebKit/605.1.15 Mail")]
            for _ in 0..<2 {
                try await client.execute(uri: path(tokens.openURL(jobID: setup.job.id.rawValue, composedAt: earlier)), method: .get, headers: .init(person)) {
                    response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.contentType] == "image/gif")
                    #expect(response.headers[.cacheControl]?.contains("no-store") == true)
                }
            }
            // Apple's privacy proxy, moments after the message was composed: a machine's open.
            try await client.execute(
                uri: path(tokens.openURL(jobID: setup.job.id.rawValue, composedAt: Date())), method: .get,
                headers: [.userAgent: "Mozilla/5.0"]
            ) { response in #expect(response.status == .ok) }
            let click = tokens.clickURL(jobID: setup.job.id.rawValue, composedAt: earlier, index: 0, url: "https://loja.example/ofertas?a=1&b=2")
            try await client.execute(uri: path(click), method: .get, headers: .init(person)) { response in
                #expect(response.status == .found)
                #expect(response.headers[.location] == "https://loja.example/ofertas?a=1&b=2")
            }
            try await setup.recorder.flush()
            let summary = try await setup.store.engagement.summary(campaign: setup.campaign, topLinks: 5)
            #expect(summary.opens == EngagementCounts(unique: 1, total: 2, machine: 1))
            #expect(summary.clicks == EngagementCounts(unique: 1, total: 1, machine: 0))
            #expect(summary.links == [.init(url: "https://loja.example/ofertas?a=1&b=2", unique: 1, total: 1)])
            let events = try await setup.store.events.read(after: 0, limit: 50)
            let opened = events.compactMap { event -> EventPayload.EmailEngagement? in
                if case .emailOpened(let engagement) = event.payload { return engagement }
                return nil
            }
            #expect(opened.map(\.contactID) == [setup.contact.id], "one email.opened, with its contact")
            #expect(events.filter { $0.kind == .emailClicked }.count == 1)

            // Segments read it: "opened in the last 30 days" now holds Ana, "never clicked" does not.
            let audience = SegmentAudience(store: setup.store)
            let openers = SegmentFilter(engagement: [try .init(event: .opened, withinDays: 30)])
            #expect(try await audience.preview(openers).sample.map(\.id) == [setup.contact.id])
            let notClicked = SegmentFilter(engagement: [try .init(event: .clicked, withinDays: 30, negated: true)])
            #expect(try await audience.preview(notClicked).count == 0)
        }
    }

    @Test(arguments: Backend.allCases)
    func forgedAndTamperedTokensGet404AndNeverARedirect(_ backend: Backend) async throws {
        try await with(backend) { setup, client in
            let genuine = Self.links.trackingTokens.clickURL(jobID: setup.job.id.rawValue, composedAt: Date(), index: 0, url: "https://loja.example/a")
            let token = String(genuine.split(separator: "/").last!)
            var parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            parts[3] = Base64URL.encode(Array("https://evil.example/phish".utf8))
            let forger = MailLinks(publicURL: "https://mail.loja.example", signer: LinkSigner(secret: Array("not the server's secret at all!!".utf8)))
            let forged = forger.trackingTokens.clickURL(jobID: setup.job.id.rawValue, composedAt: Date(), index: 0, url: "https://evil.example")
            for uri in [
                "/t/c/" + parts.joined(separator: "."), path(forged), "/t/c/nothing", "/t/c/a.b.c.d", "/t/o/\(setup.job.id.rawValue).x.y",
                "/t/o/" + token, "/u/\(setup.job.id.rawValue).AAAAAAAAAAAAAAAAAAAAAA", "/u/garbage",
            ] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .notFound, "\(uri)")
                    #expect(response.headers[.location] == nil, "\(uri)")
                }
            }
            try await client.execute(uri: "/u/garbage", method: .post, body: ByteBuffer(string: "List-Unsubscribe=One-Click")) { response in
                #expect(response.status == .notFound)
            }
            try await setup.recorder.flush()
            #expect(try await setup.store.engagement.count() == 0)
            #expect(try await setup.store.contacts.get(setup.contact.id)?.status == .confirmed)
        }
    }

    @Test(arguments: Backend.allCases)
    func theUnsubscribePageChangesNothingAndTheOneClickPostUnsubscribesAtOnceAndStopsQueuedBulkMail(_ backend: Backend) async throws {
        try await with(backend) { setup, client in
            let now = Date()
            let later = EmailJob(
                sendID: SendID(), contactID: setup.contact.id, recipient: setup.contact.email, stream: .bulk, dueAt: now, createdAt: now)
            let receipt = EmailJob(sendID: SendID(), recipient: setup.contact.email, stream: .transactional, dueAt: now, createdAt: now)
            _ = try await setup.store.emailJobs.enqueue([later, receipt], events: [])
            let uri = path(Self.links.unsubscribe(for: try #require(try await setup.store.sends.get(setup.job.sendID))).url(for: setup.job.id.rawValue))
            try await client.execute(uri: uri, method: .get, headers: [.acceptLanguage: "pt-BR,pt;q=0.9"]) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("<form method=\"post\">"))
            }
            #expect(try await setup.store.contacts.get(setup.contact.id)?.status == .confirmed, "a GET (a scanner following the link) changes nothing")

            try await client.execute(
                uri: uri, method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "List-Unsubscribe=One-Click")
            ) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.location] == nil)
                #expect(response.headers[.setCookie] == nil)
            }
            #expect(try await setup.store.contacts.get(setup.contact.id)?.status == .unsubscribed)
            #expect(try await setup.store.emailJobs.get(later.id)?.status == .cancelled, "queued bulk mail stops")
            #expect(try await setup.store.emailJobs.get(setup.job.id)?.status == .cancelled)
            #expect(try await setup.store.emailJobs.get(receipt.id)?.status == .queued, "transactional mail still goes")
            // Twice (the provider retries): still 200, one event.
            try await client.execute(uri: uri, method: .post, body: ByteBuffer(string: "List-Unsubscribe=One-Click")) { response in
                #expect(response.status == .ok)
            }
            let events = try await setup.store.events.read(after: 0, limit: 50)
            #expect(events.filter { $0.kind == .contactUnsubscribed }.count == 1)
        }
    }
}
