import CarteiroDomain
import CarteiroMIME
import CarteiroMail
import CarteiroTesting
import Foundation
import Testing

/// Tracking links: the HTML a campaign sends has its web links rewritten and an open pixel; every
/// token is signed, names its job, link and URL, and cannot be altered into another.
@Suite struct TrackingLinksTests {
    let links = TrackingLinks(baseURL: "https://mail.loja.example/", signer: LinkSigner(secret: Array("a secret of 32 bytes, more or so".utf8)))
    let composed = Date(timeIntervalSince1970: 1_796_000_000)

    @Test func webLinksAreRewrittenInOrderOthersAreLeftAndThePixelGoesBeforeTheBodyEnds() throws {
        let html = """
            <html><body><p>Oi <a href="https://loja.example/ofertas?a=1&amp;b=2">ofertas</a>,
            <A class="x" HREF='http://loja.example/planos'>planos</A>, <a href=https://loja.example/x>x</a>,
            <a href="mailto:suporte@loja.example">email</a> <a href="#topo">topo</a>
            <a href="https://mail.loja.example/u/TOKEN">sair</a> <abbr href="https://not.a.link">n</abbr></p></body></html>
            """
        let tracked = links.track(html, jobID: "job-1", composedAt: composed, keeping: ["https://mail.loja.example/u/TOKEN"])
        let clicks = tracked.components(separatedBy: "https://mail.loja.example/t/c/").dropFirst().map { String($0.prefix { $0 != "\"" && $0 != "'" && $0 != ">" }) }
        #expect(clicks.count == 3)
        let hits = clicks.compactMap { links.hit(.click, token: $0.replacingOccurrences(of: "&amp;", with: "&")) }
        #expect(hits.map(\.url) == ["https://loja.example/ofertas?a=1&b=2", "http://loja.example/planos", "https://loja.example/x"])
        #expect(hits.map(\.linkIndex) == [0, 1, 2])
        #expect(hits.allSatisfy { $0.jobID == "job-1" && $0.composedAt == composed })
        #expect(tracked.contains(#"href="mailto:suporte@loja.example""#))
        #expect(tracked.contains(##"href="#topo""##))
        #expect(tracked.contains(#"href="https://mail.loja.example/u/TOKEN""#), "the unsubscribe link stays as it is")
        #expect(tracked.contains(#"<abbr href="https://not.a.link">"#))
        let pixel = try #require(tracked.range(of: "<img src=\"https://mail.loja.example/t/o/"))
        #expect(pixel.lowerBound < tracked.range(of: "</body>")!.lowerBound)
        let openToken = String(tracked[pixel.upperBound...].prefix { $0 != "\"" })
        #expect(links.hit(.open, token: openToken) == .init(kind: .open, jobID: "job-1", composedAt: composed))
    }

    @Test func aTamperedOrForeignTokenNamesNothing() throws {
        let url = links.clickURL(jobID: "job-1", composedAt: composed, index: 0, url: "https://loja.example/a")
        let token = String(url.split(separator: "/").last!)
        #expect(links.hit(.click, token: token)?.url == "https://loja.example/a")
        // Another URL in the same token, a changed job, an open token used as a click, another key.
        let parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        var other = parts
        other[3] = Base64URL.encode(Array("https://evil.example".utf8))
        #expect(links.hit(.click, token: other.joined(separator: ".")) == nil)
        var otherJob = parts
        otherJob[0] = "job-2"
        #expect(links.hit(.click, token: otherJob.joined(separator: ".")) == nil)
        let open = String(links.openURL(jobID: "job-1", composedAt: composed).split(separator: "/").last!)
        #expect(links.hit(.click, token: open) == nil)
        #expect(links.hit(.open, token: token) == nil)
        let stranger = TrackingLinks(baseURL: "https://mail.loja.example", signer: LinkSigner(secret: Array("another secret entirely, 32 byte".utf8)))
        #expect(stranger.hit(.click, token: token) == nil)
        for junk in ["", ".", "abc", "a.b.c.d.e", String(repeating: "x", count: 5000)] { #expect(links.hit(.click, token: junk) == nil) }
    }

    @Test func aCampaignMessageIsTrackedAndCarriesOneClickUnsubscribeWhileTransactionalMailIsNot() throws {
        let signer = LinkSigner(secret: Array("a secret of 32 bytes, more or so".utf8))
        let mailLinks = MailLinks(publicURL: "https://mail.loja.example", signer: signer, unsubscribeMailbox: "cadastro@loja.example")
        let send = try Send(
            campaignID: CampaignID(rawValue: "c1"), stream: .bulk, from: try EmailAddress("ofertas@loja.example"), subject: "Oferta",
            htmlBody: #"<p><a href="https://loja.example/a">a</a> <a href="{{unsubscribe_url}}">sair</a></p>"#, textBody: nil,
            tracking: .all, createdAt: composed)
        let composer = MailComposer(
            configuration: .init(
                from: try MailAddress("ofertas@loja.example"), unsubscribe: mailLinks.unsubscribe(for: send), tracking: mailLinks.tracking(for: send)),
            clock: ManualClock(composed))
        let job = EmailJob(sendID: send.id, recipient: try EmailAddress("ana@exemplo.com.br"), stream: .bulk, dueAt: composed, createdAt: composed)
        let template = try MailTemplate(subject: send.subject, html: send.htmlBody, text: nil)
        let parsed = ParsedMessage.parse(try composer.compose(job, template: template).bytes)
        let header = try #require(parsed.headers.value(for: "List-Unsubscribe"))
        let unsubscribeURL = mailLinks.unsubscribe(for: send).url(for: job.id.rawValue)
        #expect(header.hasPrefix("<\(unsubscribeURL)>, <mailto:cadastro@loja.example?"), "\(header)")
        #expect(parsed.headers.value(for: "List-Unsubscribe-Post") == "List-Unsubscribe=One-Click")
        #expect(parsed.headers.value(for: "List-Id") == "<c1.loja.example>")
        let html = try #require(parsed.htmlBody)
        #expect(html.contains("https://mail.loja.example/t/c/"))
        #expect(html.contains("https://mail.loja.example/t/o/"))
        #expect(html.contains(#"href="\#(unsubscribeURL)""#), "the visible unsubscribe link is not tracked")
        #expect(!html.contains(#"href="https://loja.example/a""#))
        let untracked = try Send(stream: .bulk, from: send.from, subject: "x", htmlBody: "x", textBody: nil, createdAt: composed)
        #expect(mailLinks.tracking(for: untracked) == nil, "a send that asks for no tracking (carteiro send) gets none")
    }
}
