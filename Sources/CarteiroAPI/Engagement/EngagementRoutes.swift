public import CarteiroDomain
public import CarteiroMail
public import CarteiroUseCases
import Foundation
import HTTPTypes
public import Hummingbird
public import Logging
import NIOCore

/// The public links in bulk mail: the open pixel `/t/o/TOKEN`, the click redirect `/t/c/TOKEN`,
/// and the unsubscribe page `/u/TOKEN` (GET shows one button; POST unsubscribes, and answers a
/// one-click POST (RFC 8058) with 200 at once: no redirect, no cookie, no confirmation step).
///
/// A token that is not genuine gets 404, never a redirect: a click can only lead to a URL that
/// was in the message it was made for, so these routes are no open redirect.
public struct EngagementRoutes: Sendable {
    let store: any Store
    let links: MailLinks
    let recorder: EngagementRecorder
    let logger: Logger

    public init(store: any Store, links: MailLinks, recorder: EngagementRecorder, logger: Logger) {
        self.store = store
        self.links = links
        self.recorder = recorder
        self.logger = logger
    }

    /// A transparent 1×1 GIF.
    public static let pixel: [UInt8] = [
        0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0x21, 0xF9, 0x04, 0x01,
        0x00, 0x00, 0x00, 0x00, 0x2C, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3B,
    ]

    public func register<Context: RequestContext>(on router: Router<Context>) {
        let tokens = links.trackingTokens
        let recorder = self.recorder
        router.get("t/o/:token") { request, context -> Response in
            guard let hit = tokens.hit(.open, token: context.parameters.get("token") ?? "") else { return Self.notFound() }
            recorder.add(hit, userAgent: request.headers[.userAgent])
            var headers: HTTPFields = [.contentType: "image/gif", .cacheControl: "no-store, no-cache, must-revalidate, private"]
            headers[.expires] = "0"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: Self.pixel)))
        }
        router.get("t/c/:token") { request, context -> Response in
            guard let hit = tokens.hit(.click, token: context.parameters.get("token") ?? ""), let url = hit.url, Self.isWebURL(url) else {
                return Self.notFound()
            }
            recorder.add(hit, userAgent: request.headers[.userAgent])
            var headers: HTTPFields = [.location: url, .cacheControl: "no-store"]
            headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
            return Response(status: .found, headers: headers)
        }
        router.get("u/:token") { request, context -> Response in
            try await unsubscribePage(token: context.parameters.get("token") ?? "", locale: Self.locale(request), unsubscribing: false)
        }
        router.post("u/:token") { request, context -> Response in
            try await unsubscribePage(token: context.parameters.get("token") ?? "", locale: Self.locale(request), unsubscribing: true)
        }
    }

    private func unsubscribePage(token: String, locale: String, unsubscribing: Bool) async throws -> Response {
        let texts = Self.texts(locale: locale)
        guard let jobID = links.unsubscribedJob(token: token) else {
            return ConfirmationPages.html(.notFound, texts.unknown, button: nil)
        }
        guard unsubscribing else { return ConfirmationPages.html(.ok, texts.question, button: texts.button) }
        // Whatever the body says (`List-Unsubscribe=One-Click` from a mail provider, the page's
        // button from a person): both ask for the same, and neither waits for another step.
        switch try await UnsubscribeByLink(store: store).run(jobID: EmailJobID(rawValue: jobID)) {
        case .unsubscribed(let contact, let cancelled):
            logger.info("unsubscribed by link", metadata: ["contact": "\(contact)", "cancelled_jobs": "\(cancelled)"])
            return ConfirmationPages.html(.ok, texts.done, button: nil)
        case .alreadySuppressed:
            return ConfirmationPages.html(.ok, texts.done, button: nil)
        case .unknownMessage:
            return ConfirmationPages.html(.notFound, texts.unknown, button: nil)
        }
    }

    static func isWebURL(_ url: String) -> Bool {
        let lowered = url.lowercased()
        return (lowered.hasPrefix("https://") || lowered.hasPrefix("http://")) && !url.contains(where: { $0 == "\r" || $0 == "\n" })
    }

    static func notFound() -> Response {
        Response(
            status: .notFound, headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: #"{"error":{"code":"not_found","message":"no such link"}}"#)))
    }

    static func locale(_ request: Request) -> String {
        let accepted = request.headers[.acceptLanguage]?.lowercased() ?? ""
        return accepted.hasPrefix("en") ? "en" : "pt-BR"
    }

    struct Texts {
        var unknown: String
        var question: String
        var button: String
        var done: String
    }

    static func texts(locale: String) -> Texts {
        if locale.hasPrefix("en") {
            return Texts(
                unknown: "This link is not valid.", question: "Stop receiving these emails?", button: "Unsubscribe",
                done: "You are unsubscribed: you will receive no more of these emails.")
        }
        return Texts(
            unknown: "Este link não é válido.", question: "Deixar de receber estes emails?", button: "Descadastrar",
            done: "Você foi descadastrado: não receberá mais estes emails.")
    }
}
