public import Crypto
import Foundation
public import _CryptoExtras

/// A DKIM private key: RSA (RFC 6376 `rsa-sha256`) or Ed25519 (RFC 8463 `ed25519-sha256`).
public struct DKIMKey: Sendable {
    /// The signing algorithm a key is used with, as written in a signature's `a=` tag.
    public enum Algorithm: String, Sendable, Hashable, CaseIterable {
        case rsaSHA256 = "rsa-sha256"
        case ed25519SHA256 = "ed25519-sha256"

        /// The key type as written in the DNS record's `k=` tag.
        public var keyType: String {
            switch self {
            case .rsaSHA256: "rsa"
            case .ed25519SHA256: "ed25519"
            }
        }
    }

    enum Material: Sendable {
        case rsa(_RSA.Signing.PrivateKey)
        case ed25519(Curve25519.Signing.PrivateKey)
    }

    let material: Material

    private init(_ material: Material) { self.material = material }

    /// An RSA key (at least 1024 bits, the floor RFC 8301 sets; 2048 is what to generate).
    public static func rsa(_ key: _RSA.Signing.PrivateKey) -> DKIMKey { DKIMKey(.rsa(key)) }

    /// An Ed25519 key.
    public static func ed25519(_ key: Curve25519.Signing.PrivateKey) -> DKIMKey { DKIMKey(.ed25519(key)) }

    /// A new RSA key of `bits` bits (2048 unless told otherwise; at least 2048).
    public static func generateRSA(bits: Int = 2048) throws(DKIMError) -> DKIMKey {
        guard bits >= 2048, bits <= 8192 else {
            throw DKIMError(.invalidConfiguration, field: "bits", "RSA keys are generated with 2048 to 8192 bits, not \(bits)")
        }
        do {
            return .rsa(try _RSA.Signing.PrivateKey(keySize: .init(bitCount: bits)))
        } catch {
            throw DKIMError(.signingFailed, field: "bits", "could not generate an RSA-\(bits) key: \(error)")
        }
    }

    /// A new Ed25519 key.
    public static func generateEd25519() -> DKIMKey { .ed25519(Curve25519.Signing.PrivateKey()) }

    /// Reads an RSA key (PKCS#1 `RSA PRIVATE KEY` or PKCS#8 `PRIVATE KEY` PEM) or an Ed25519 key
    /// (PKCS#8 `PRIVATE KEY` PEM, or the base64 32-byte seed that dkimpy's `dknewkey` writes).
    public static func loadPEM(_ pem: String) throws(DKIMError) -> DKIMKey {
        let text = pem.trimmingCharacters(in: .whitespacesAndNewlines)
        if !text.hasPrefix("-----BEGIN") {
            if let seed = Data(base64Encoded: text), seed.count == 32, let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed) {
                return .ed25519(key)
            }
            throw DKIMError(.invalidKey, field: "pem", "not a PEM private key (no -----BEGIN line) nor a base64 Ed25519 seed")
        }
        if text.hasPrefix("-----BEGIN ENCRYPTED PRIVATE KEY-----") || text.contains("Proc-Type: 4,ENCRYPTED") {
            throw DKIMError(.invalidKey, field: "pem", "encrypted private keys are not supported; store the key unencrypted with mode 0600")
        }
        if text.hasPrefix("-----BEGIN PRIVATE KEY-----"), let der = Self.pemBody(text), Self.holdsEd25519Identifier(der) {
            do {
                return .ed25519(try Curve25519.Signing.PrivateKey(derRepresentation: der))
            } catch {
                throw DKIMError(.invalidKey, field: "pem", "unreadable Ed25519 PKCS#8 key: \(error)")
            }
        }
        if text.hasPrefix("-----BEGIN RSA PRIVATE KEY-----") || text.hasPrefix("-----BEGIN PRIVATE KEY-----") {
            do {
                return .rsa(try _RSA.Signing.PrivateKey(unsafePEMRepresentation: text))
            } catch {
                throw DKIMError(.invalidKey, field: "pem", "unreadable RSA private key (or one under 1024 bits): \(error)")
            }
        }
        let label = text.prefix(while: { $0 != "\n" && $0 != "\r" })
        throw DKIMError(.invalidKey, field: "pem", "unsupported PEM type \(label); expected RSA PRIVATE KEY or PRIVATE KEY")
    }

    /// The private key as PEM: PKCS#1 (`RSA PRIVATE KEY`) for RSA, which every DKIM signer reads,
    /// and PKCS#8 (`PRIVATE KEY`) for Ed25519, which OpenSSL, OpenDKIM and rspamd read.
    public var pem: String {
        switch material {
        case .rsa(let key): key.pemRepresentation
        case .ed25519(let key): key.pemRepresentation
        }
    }

    /// The DNS record's `p=` value: base64 of the SubjectPublicKeyInfo DER for RSA, of the raw
    /// 32-byte public key for Ed25519 (RFC 8463 §4.2).
    public var dnsPublicKey: String {
        switch material {
        case .rsa(let key): key.publicKey.derRepresentation.base64EncodedString()
        case .ed25519(let key): key.publicKey.rawRepresentation.base64EncodedString()
        }
    }

    public var algorithm: Algorithm {
        switch material {
        case .rsa: .rsaSHA256
        case .ed25519: .ed25519SHA256
        }
    }

    /// The signature's `a=` value: `rsa-sha256` or `ed25519-sha256`.
    public var algorithmTag: String { algorithm.rawValue }

    /// Signs the SHA-256 digest of the canonicalized header data: RSASSA-PKCS1-v1_5 for RSA;
    /// for Ed25519, PureEdDSA over the 32 digest bytes themselves (RFC 8463 §3).
    package func sign(canonicalHeaderData: [UInt8]) throws(DKIMError) -> [UInt8] {
        let digest = SHA256.hash(data: canonicalHeaderData)
        do {
            switch material {
            case .rsa(let key):
                return [UInt8](try key.signature(for: digest, padding: .insecurePKCS1v1_5).rawRepresentation)
            case .ed25519(let key):
                return [UInt8](try digest.withUnsafeBytes { try key.signature(for: Data($0)) })
            }
        } catch {
            throw DKIMError(.signingFailed, field: "keys", "\(algorithmTag) signing failed: \(error)")
        }
    }

    private static func pemBody(_ text: String) -> Data? {
        let base64 = text.split(whereSeparator: \.isNewline).filter { !$0.hasPrefix("-----") }.joined()
        return Data(base64Encoded: base64)
    }

    /// Whether DER holds the id-Ed25519 object identifier 1.3.101.112 (RFC 8410).
    private static func holdsEd25519Identifier(_ der: Data) -> Bool {
        let oid: [UInt8] = [0x06, 0x03, 0x2B, 0x65, 0x70]
        let bytes = [UInt8](der.prefix(32))
        guard bytes.count >= oid.count else { return false }
        return (0...(bytes.count - oid.count)).contains { bytes[$0..<($0 + oid.count)].elementsEqual(oid) }
    }
}
