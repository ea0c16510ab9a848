import CarteiroDKIM
import CarteiroDelivery
import CarteiroDomain
import CarteiroMIME
import CarteiroMail
import Foundation

extension SendCommand {
    /// The DKIM signer for `--dkim-key`/`--dkim-selector`, or nil when no key is given.
    /// Reads and checks the keys, so a bad key file is refused before anything is sent.
    func makeSigner(domain: String) throws -> (any MessageSigner)? {
        try Self.signer(keys: dkimKeys, selector: dkimSelector, domain: domain)
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
        guard !keys.isEmpty else {
            if selector != nil { throw CLIError.badInput("--dkim-selector needs --dkim-key") }
            return nil
        }
        guard let selector else { throw CLIError.badInput("--dkim-key needs --dkim-selector") }
        let loaded = try keys.map { path -> DKIMKey in
            guard let data = FileManager.default.contents(atPath: path), let pem = String(data: data, encoding: .utf8) else {
                throw CLIError.badInput("--dkim-key \(path): cannot read the file")
            }
            do {
                return try DKIMKey.loadPEM(pem)
            } catch {
                throw CLIError.badInput("--dkim-key \(path): \(error)")
            }
        }
        let signer = DKIMSigner(domain: domain, selector: selector, keys: loaded)
        do {
            try signer.validate()
        } catch {
            throw CLIError.badInput("DKIM: \(error)")
        }
        return signer
    }
}
