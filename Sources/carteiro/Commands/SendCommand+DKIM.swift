import CarteiroDKIM
import CarteiroMail
import Foundation

extension SendCommand {
    /// `--dkim-key`/`--dkim-selector`, kept from before `--dkim DOMAIN:SELECTOR:KEYFILE`: keys for
    /// this send's From domain, added to the configured keyring. Read and checked here, so a bad
    /// key file is refused before anything is sent.
    func legacyKeyring(domain: String, adding to: DKIMKeyring = DKIMKeyring()) throws -> DKIMKeyring {
        var keyring = to
        guard !dkimKeys.isEmpty else {
            if dkimSelector != nil { throw CLIError.badInput("--dkim-selector needs --dkim-key") }
            return keyring
        }
        guard let dkimSelector else { throw CLIError.badInput("--dkim-key needs --dkim-selector") }
        do {
            let keys = try dkimKeys.map { path throws(DKIMKeyringError) in try DKIMKeyring.loadKey(path, entry: "--dkim-key \(path)") }
            try keyring.add(DKIMSigner(domain: domain, selector: dkimSelector, keys: keys), entry: "--dkim-key")
        } catch {
            throw CLIError.badInput("DKIM \(error)")
        }
        return keyring
    }
}
