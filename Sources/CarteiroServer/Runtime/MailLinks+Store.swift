public import CarteiroDomain
public import CarteiroMail
public import Foundation

extension MailLinks {
    /// The name of the link-signing key in `ServerSecrets`.
    static let secretName = "mail-links"

    /// The links of this installation's mail under `publicURL`, signed with the key every process
    /// of the store shares (made by the first one); nil without a public URL.
    public static func load(publicURL: URL?, unsubscribeMailbox: String?, store: any Store) async throws -> MailLinks? {
        guard let publicURL else { return nil }
        let secret = try await store.secrets.secret(named: secretName) {
            var generator = SystemRandomNumberGenerator()
            return (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        }
        return MailLinks(publicURL: publicURL.absoluteString, signer: LinkSigner(secret: secret), unsubscribeMailbox: unsubscribeMailbox)
    }
}
