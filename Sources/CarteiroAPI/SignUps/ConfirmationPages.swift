public import CarteiroDomain
import CarteiroUseCases
import Foundation
import HTTPTypes
public import Hummingbird
public import Logging

/// The confirm link of a sign-up's email, `<public URL>/confirm/<token>`: its GET shows a page
/// with one button and changes nothing, so mail scanners that follow links confirm nothing; only
/// the button's POST confirms (consent method `link`).
public struct ConfirmationPages: Sendable {
    let store: any Store
    let logger: Logger

    public init(store: any Store, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    public func register(on router: Router<BasicRequestContext>) {
        router.get("confirm/:token") { _, context in
            try await page(for: context.parameters.get("token") ?? "", confirming: false)
        }
        router.post("confirm/:token") { _, context in
            try await page(for: context.parameters.get("token") ?? "", confirming: true)
        }
    }

    private func page(for token: String, confirming: Bool) async throws -> Response {
        guard SignUp.isToken(token), let signUp = try await store.signUps.findUnique("token", token) else {
            return Self.html(.notFound, Self.texts(locale: "pt-BR").unknown, button: nil)
        }
        let locale = try await store.contacts.get(signUp.contactID)?.locale ?? "pt-BR"
        let texts = Self.texts(locale: locale)
        switch signUp.status {
        case .confirmed:
            return Self.html(.ok, texts.confirmed, button: nil)
        case .declined, .superseded:
            return Self.html(.gone, texts.replaced, button: nil)
        case .pending:
            guard confirming else { return Self.html(.ok, texts.question(signUp.email.canonical), button: texts.button) }
            let evidence = AnswerSignUp.Evidence(method: .link, reference: "confirm link, sign-up \(signUp.id.rawValue)")
            switch try await AnswerSignUp(store: store).run(signUp, .confirm, evidence: evidence) {
            case .confirmed:
                logger.info("sign-up confirmed by link", metadata: ["sign_up": "\(signUp.id)"])
                return Self.html(.ok, texts.confirmed, button: nil)
            case .alreadyAnswered(_, .confirmed):
                return Self.html(.ok, texts.confirmed, button: nil)
            case .declined, .alreadyAnswered, .contactUnavailable:
                return Self.html(.gone, texts.replaced, button: nil)
            }
        }
    }

    struct Texts {
        var unknown: String
        var replaced: String
        var confirmed: String
        var button: String
        var question: (String) -> String
    }

    static func texts(locale: String) -> Texts {
        if locale.lowercased().hasPrefix("en") {
            return Texts(
                unknown: "This link is not valid.", replaced: "This link no longer confirms anything: a newer email replaced it, or it was answered.",
                confirmed: "Your sign-up is confirmed. Thank you!", button: "Confirm my sign-up",
                question: { "Confirm the sign-up of \($0)?" })
        }
        return Texts(
            unknown: "Este link não é válido.", replaced: "Este link não confirma mais nada: um email mais novo o substituiu, ou ele já foi respondido.",
            confirmed: "Seu cadastro está confirmado. Obrigado!", button: "Confirmar meu cadastro",
            question: { "Confirmar o cadastro de \($0)?" })
    }

    static func html(_ status: HTTPResponse.Status, _ message: String, button: String?) -> Response {
        let form = button.map { #"<form method="post"><button type="submit">\#(escape($0))</button></form>"# } ?? ""
        let page = """
            <!doctype html>
            <html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="robots" content="noindex"><title>Carteiro</title></head>
            <body><p>\(escape(message))</p>\(form)</body></html>
            """
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"]
        headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        return Response(status: status, headers: headers, body: .init(byteBuffer: .init(string: page)))
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }
}
