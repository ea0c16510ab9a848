public import CarteiroDKIM
import Foundation

/// DKIM keys by From domain: a message whose sender's domain has keys is signed with all of
/// them (RSA and Ed25519 side by side, each under its own selector); any other is sent unsigned.
public struct DKIMKeyring: Sendable {
    public private(set) var signers: [String: DKIMSigner] = [:]

    public init() {}

    /// Entries written `DOMAIN:SELECTOR:KEYFILE` (a PEM private key file). Every key file is read
    /// and checked here, so a bad one is refused before anything is sent.
    public init(entries: [String]) throws(DKIMKeyringError) {
        var keys: [String: [DKIMSigner.SigningKey]] = [:]
        for entry in entries {
            let parts = entry.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty }) else {
                throw DKIMKeyringError(entry: entry, reason: "write it DOMAIN:SELECTOR:KEYFILE, e.g. isp.example:s1:/etc/carteiro/s1.pem")
            }
            keys[parts[0].lowercased(), default: []].append(.init(selector: parts[1], key: try Self.loadKey(parts[2], entry: entry)))
        }
        for (domain, domainKeys) in keys { try add(DKIMSigner(domain: domain, keys: domainKeys), entry: entries.joined(separator: ",")) }
    }

    /// Adds a signer for its domain, replacing any signer the domain had.
    public mutating func add(_ signer: DKIMSigner, entry: String) throws(DKIMKeyringError) {
        do {
            try signer.validate()
        } catch {
            throw DKIMKeyringError(entry: entry, reason: "\(error)")
        }
        signers[signer.domain.lowercased()] = signer
    }

    /// Reads a PEM private key (RSA or Ed25519).
    public static func loadKey(_ path: String, entry: String) throws(DKIMKeyringError) -> DKIMKey {
        guard let data = FileManager.default.contents(atPath: path), let pem = String(data: data, encoding: .utf8) else {
            throw DKIMKeyringError(entry: entry, reason: "cannot read the key file \(path)")
        }
        do {
            return try DKIMKey.loadPEM(pem)
        } catch {
            throw DKIMKeyringError(entry: entry, reason: "\(path): \(error)")
        }
    }

    /// The signer for mail from `domain`, if it has keys.
    public func signer(forDomain domain: some StringProtocol) -> DKIMSigner? {
        signers.isEmpty ? nil : signers[domain.lowercased()]
    }

    public var isEmpty: Bool { signers.isEmpty }
}

public struct DKIMKeyringError: Error, Sendable, CustomStringConvertible {
    public let entry: String
    public let reason: String
    public var description: String { "'\(entry)': \(reason)" }
}
