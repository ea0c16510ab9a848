import Crypto
public import Foundation

/// Signs messages for one domain with one DKIM-Signature per key: relaxed/relaxed
/// canonicalization, the whole body hashed (no `l=`), a `t=` timestamp, and the signed header
/// fields over-signed so that nobody can add another instance of them after signing.
public struct DKIMSigner: Sendable {
    /// One key and the selector under which its public key is published.
    public struct SigningKey: Sendable {
        public let selector: String
        public let key: DKIMKey

        public init(selector: String, key: DKIMKey) {
            self.selector = selector
            self.key = key
        }
    }

    /// The header fields signed when present, in this order.
    public static let defaultSignedHeaders = [
        "From", "Subject", "Date", "Message-ID", "To", "Cc", "Reply-To", "MIME-Version", "Content-Type",
        "Content-Transfer-Encoding", "List-Unsubscribe", "List-Unsubscribe-Post", "List-Id",
    ]

    public let domain: String
    public let keys: [SigningKey]
    public let signedHeaders: [String]
    public let overSign: Bool
    private let now: @Sendable () -> Date
    private let headerNames: [(name: String, lowercased: [UInt8])]
    private let configurationError: DKIMError?

    /// Signs under `selector` with every key in `keys`. A domain publishes one key per selector,
    /// so with an RSA key and an Ed25519 key the Ed25519 one signs under `<selector>-ed25519`
    /// (see ``selectors(base:for:)``, which `carteiro dkim keygen` follows too).
    ///
    /// - Parameter now: the wall clock for `t=` (injected so tests can fix it).
    public init(
        domain: String, selector: String, keys: [DKIMKey], signedHeaders: [String] = DKIMSigner.defaultSignedHeaders, overSign: Bool = true,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        let selectors = Self.selectors(base: selector, for: keys)
        self.init(
            domain: domain, keys: zip(selectors, keys).map { SigningKey(selector: $0, key: $1) }, signedHeaders: signedHeaders,
            overSign: overSign, now: now)
    }

    /// Signs with each key under its own selector.
    public init(
        domain: String, keys: [SigningKey], signedHeaders: [String] = DKIMSigner.defaultSignedHeaders, overSign: Bool = true,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.domain = domain
        self.keys = keys
        self.signedHeaders = signedHeaders
        self.overSign = overSign
        self.now = now
        var seen = Set<[UInt8]>()
        headerNames = signedHeaders.map { ($0, Array($0.lowercased().utf8)) }.filter { seen.insert($0.lowercased).inserted }
        do throws(DKIMError) {
            try Self.check(domain: domain, keys: keys, signedHeaders: signedHeaders)
            configurationError = nil
        } catch {
            configurationError = error
        }
    }

    /// The selector each key signs under when they share `base`: an RSA key, and a key alone, use
    /// `base`; an Ed25519 key next to an RSA key uses `<base>-ed25519`.
    public static func selectors(base: String, for keys: [DKIMKey]) -> [String] {
        let hasRSA = keys.contains { $0.algorithm == .rsaSHA256 }
        return keys.map { key in
            key.algorithm == .ed25519SHA256 && hasRSA ? "\(base)-ed25519" : base
        }
    }

    /// Fails when the domain, a selector or the header list cannot make a valid signature; `sign`
    /// fails the same way, so call this at startup to fail early.
    public func validate() throws(DKIMError) {
        if let configurationError { throw configurationError }
    }

    private static func check(domain: String, keys: [SigningKey], signedHeaders: [String]) throws(DKIMError) {
        guard !keys.isEmpty else { throw DKIMError(.invalidConfiguration, field: "keys", "no signing key") }
        guard Self.isDomainName(domain) else {
            throw DKIMError(
                .invalidConfiguration, field: "domain", "\(domain.debugDescription) is not an ASCII domain name (use the A-label of an IDN)")
        }
        var selectors = Set<String>()
        for signingKey in keys {
            guard Self.isDomainName(signingKey.selector) else {
                throw DKIMError(.invalidConfiguration, field: "selector", "\(signingKey.selector.debugDescription) is not a valid DKIM selector")
            }
            guard selectors.insert(signingKey.selector.lowercased()).inserted else {
                throw DKIMError(
                    .invalidConfiguration, field: "selector", "two keys share selector \(signingKey.selector); a selector publishes one key")
            }
        }
        guard signedHeaders.contains(where: { $0.lowercased() == "from" }) else {
            throw DKIMError(.invalidConfiguration, field: "signedHeaders", "From must be signed (RFC 6376 §5.4)")
        }
        for name in signedHeaders where name.isEmpty || !name.utf8.allSatisfy({ $0 > 32 && $0 < 127 && $0 != ASCII.colon }) {
            throw DKIMError(.invalidConfiguration, field: "signedHeaders", "\(name.debugDescription) is not a header field name")
        }
    }

    /// The message with one `DKIM-Signature` field per key prepended, in the order of `keys`.
    public func sign(_ message: [UInt8]) throws(DKIMError) -> [UInt8] {
        let headers = try signatureHeaders(for: message)
        var signed: [UInt8] = []
        signed.reserveCapacity(headers.count + message.count)
        signed.append(contentsOf: headers)
        signed.append(contentsOf: message)
        return signed
    }

    /// Only the `DKIM-Signature` fields (each ending in CRLF) to put before the message's first line.
    public func signatureHeaders(for message: [UInt8]) throws(DKIMError) -> [UInt8] {
        try validate()
        let timestamp = Int64(now().timeIntervalSince1970.rounded(.down))
        let result: Result<[UInt8], DKIMError> = message.withUnsafeBufferPointer { buffer in
            do throws(DKIMError) {
                return .success(try signatureHeaders(buffer, timestamp: timestamp))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    private func signatureHeaders(_ message: UnsafeBufferPointer<UInt8>, timestamp: Int64) throws(DKIMError) -> [UInt8] {
        let layout = try MessageLayout(message)
        let body = RelaxedCanonicalization.body(UnsafeBufferPointer(rebasing: message[layout.bodyStart...]))
        let bodyHash = Data(SHA256.hash(data: body)).base64EncodedString()

        // h= names, and the canonical header data they select (RFC 6376 §5.4.2: the n-th
        // occurrence of a name in h= takes the n-th instance counted from the bottom).
        var names: [String] = []
        var headerData: [UInt8] = []
        headerData.reserveCapacity(message.count / 2)
        var sawFrom = false
        for (name, lowercasedName) in headerNames {
            var instances = 0
            for field in layout.fields.reversed() where layout.field(field, in: message, isNamed: lowercasedName) {
                instances += 1
                RelaxedCanonicalization.appendHeader(
                    UnsafeBufferPointer(rebasing: message[field.start..<field.end]), colon: field.colon - field.start, to: &headerData)
            }
            if instances > 0 && lowercasedName == Self.from { sawFrom = true }
            names.append(contentsOf: repeatElement(name, count: instances == 0 ? 0 : instances + (overSign ? 1 : 0)))
        }
        guard sawFrom else { throw DKIMError(.malformedMessage, field: "From", "the message has no From header field, which DKIM must sign") }

        var output: [UInt8] = []
        for signingKey in keys {
            var builder = SignatureHeaderBuilder()
            builder.appendTag("v=1;")
            builder.appendTag("a=\(signingKey.key.algorithmTag);")
            builder.appendTag("c=relaxed/relaxed;")
            builder.appendTag("d=\(domain);")
            builder.appendTag("s=\(signingKey.selector);")
            builder.appendTag("t=\(timestamp);")
            builder.appendHeaderList(names)
            builder.appendBase64Tag("bh", bodyHash, terminated: true)
            builder.appendBase64Tag("b", "", terminated: false)

            // The signature field itself is hashed last, with b= empty and without its CRLF.
            var hashed = headerData
            builder.bytes.withUnsafeBufferPointer { field in
                RelaxedCanonicalization.appendHeader(field, colon: "DKIM-Signature".utf8.count, to: &hashed)
            }
            hashed.removeLast(2)
            let signature = try signingKey.key.sign(canonicalHeaderData: hashed)
            builder.appendBase64(Data(signature).base64EncodedString())
            builder.finish()
            output.append(contentsOf: builder.bytes)
        }
        return output
    }

    private static let from = Array("from".utf8)

    /// An ASCII domain name (or selector: dot-separated labels of letters, digits, hyphens and underscores).
    static func isDomainName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 253 else { return false }
        return name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            !label.isEmpty && label.utf8.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.utf8.allSatisfy { byte in
                    (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                        || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
                }
        }
    }
}
