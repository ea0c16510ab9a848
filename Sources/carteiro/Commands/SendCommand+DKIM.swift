import CarteiroDelivery
import CarteiroDomain
import CarteiroMIME
import CarteiroMail

extension SendCommand {
    /// The DKIM signer for `--dkim-key`/`--dkim-selector`, or nil when no key is given.
    func makeSigner(domain: String) throws -> (any MessageSigner)? {
        guard !dkimKeys.isEmpty else {
            if dkimSelector != nil { throw CLIError.badInput("--dkim-selector needs --dkim-key") }
            return nil
        }
        guard dkimSelector != nil else { throw CLIError.badInput("--dkim-key needs --dkim-selector") }
        throw CLIError.badInput("DKIM signing is not wired yet")
    }

    /// Composers for the worker: the send's sender, signed when keys are given.
    func composerFactory() -> SendCatalog.ComposerFactory {
        let keys = dkimKeys
        let selector = dkimSelector
        return { send in
            let from = try MailAddress(send.from.value, displayName: send.fromName)
            let replyTo = try send.replyTo.map { address throws(MIMEError) in try MailAddress(address.value) }
            let signer = try Self.signer(keys: keys, selector: selector, domain: String(from.domain))
            return MailComposer(configuration: .init(from: from, replyTo: replyTo), signer: signer)
        }
    }

    static func signer(keys: [String], selector: String?, domain: String) throws -> (any MessageSigner)? {
        guard !keys.isEmpty else { return nil }
        throw CLIError.badInput("DKIM signing is not wired yet")
    }
}
