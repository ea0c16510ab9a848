import CarteiroDomain
public import CarteiroMIME
public import Foundation

/// Where sign-up mail comes from and points to: the sign-up address people write to (and reply
/// to, with a token: `local+TOKEN@domain`), the From of Carteiro's own mail, and the public base
/// of the confirm links.
public struct SignUpMailSettings: Sendable {
    public var signUpAddress: MailAddress
    public var mailFrom: MailAddress
    /// `https://example.com`: confirm links are `<publicURL>/confirm/<token>`; nil: no link.
    public var publicURL: URL?

    public init(signUpAddress: MailAddress, mailFrom: MailAddress, publicURL: URL?) {
        self.signUpAddress = signUpAddress
        self.mailFrom = mailFrom
        self.publicURL = publicURL
    }

    /// The address a sign-up's confirmation asks the reply to go to: the sign-up address with
    /// `+TOKEN` after its local part.
    public func replyAddress(for token: String) throws(MIMEError) -> MailAddress {
        let local = signUpAddress.address.split(separator: "@", maxSplits: 1).first.map(String.init) ?? signUpAddress.address
        return try MailAddress("\(local)+\(token)@\(signUpAddress.domain)", displayName: signUpAddress.displayName)
    }

    /// The token in an address of the form `local+TOKEN@domain` of the sign-up address's domain,
    /// if it holds one.
    public func token(in address: String) -> String? {
        let parts = address.lowercased().split(separator: "@", maxSplits: 1)
        guard parts.count == 2, parts[1] == signUpAddress.domain.lowercased(), let plus = parts[0].lastIndex(of: "+") else { return nil }
        let token = parts[0][parts[0].index(after: plus)...]
        return SignUp.isToken(token) ? String(token) : nil
    }

    public func confirmLink(for token: String) -> String? {
        guard let publicURL else { return nil }
        var base = publicURL.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        return "\(base)/confirm/\(token)"
    }
}

/// The confirmation email, in the contact's language (Brazilian Portuguese unless the locale is
/// English): reply SIM/YES to confirm, NÃO/NO to cancel, or use the link.
enum SignUpConfirmationText {
    struct Message {
        var subject: String
        var text: String
    }

    static func message(locale: String, withLink: Bool) -> Message {
        if locale.lowercased().hasPrefix("en") {
            return Message(
                subject: "Confirm your sign-up",
                text: """
                    Hello{{#name}} {{name}}{{/name}},

                    We received a request to sign up this address. To confirm, reply to this email with YES.
                    To cancel, reply with NO.
                    \(withLink ? "\nOr confirm here: {{link}}\n" : "")
                    If it was not you, ignore this message: nothing happens without your answer.
                    """)
        }
        return Message(
            subject: "Confirme seu cadastro",
            text: """
                Olá{{#name}} {{name}}{{/name}},

                Recebemos um pedido de cadastro para este endereço. Para confirmar, responda a este email com SIM.
                Para cancelar, responda NÃO.
                \(withLink ? "\nOu confirme aqui: {{link}}\n" : "")
                Se não foi você, ignore esta mensagem: nada acontece sem a sua resposta.
                """)
    }
}
