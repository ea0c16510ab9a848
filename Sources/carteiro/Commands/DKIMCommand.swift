import ArgumentParser
import CarteiroDKIM
import Foundation

struct DKIMCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dkim",
        abstract: "DKIM signing keys: make them and print the DNS records that publish them.",
        subcommands: [Keygen.self]
    )

    /// Writes new private keys (mode 0600, never over an existing file) and prints the TXT
    /// records to publish, one zone-file line per key, on standard output.
    struct Keygen: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate DKIM private key files and print their DNS TXT records.",
            discussion: """
                Writes <selector>.rsa.pem (RSA 2048, PKCS#1 PEM) and/or <selector>.ed25519.pem (Ed25519, PKCS#8 PEM). \
                A selector publishes one key, so with --algorithm both the Ed25519 key signs under <selector>-ed25519.
                """
        )

        enum Algorithm: String, ExpressibleByArgument, CaseIterable {
            case rsa, ed25519, both
        }

        @Option(help: "The signing domain (the signature's d=), e.g. example.com.")
        var domain: String

        @Option(help: "The selector (the signature's s=), e.g. mail2026.")
        var selector: String

        @Option(help: "Key type: rsa (read by every verifier), ed25519 (RFC 8463), or both.")
        var algorithm: Algorithm = .rsa

        @Option(help: "Folder to write the key files to.")
        var out: String = "."

        func run() async throws {
            let algorithms: [DKIMKey.Algorithm] =
                switch algorithm {
                case .rsa: [.rsaSHA256]
                case .ed25519: [.ed25519SHA256]
                case .both: [.rsaSHA256, .ed25519SHA256]
                }
            let generated: [DKIMKeyGenerator.GeneratedKey]
            do throws(DKIMError) {
                generated = try DKIMKeyGenerator.generate(domain: domain, selector: selector, algorithms: algorithms, directory: out)
            } catch {
                // Existing files, a bad name or an unwritable folder are the operator's to fix: exit 2.
                if error.code == .signingFailed { throw CLIError.failed(error.message) }
                throw CLIError.badInput(error.message)
            }
            for key in generated {
                FileHandle.standardError.write(Data("wrote \(key.path) (\(key.key.algorithmTag), selector \(key.selector))\n".utf8))
                emit(key.dnsRecord)
            }
        }
    }
}
