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
}
