#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Makes a domain's signing keys, writes each to a file of its own (mode 0600, never over an
/// existing file), and says which DNS records publish them.
public enum DKIMKeyGenerator {
    public struct GeneratedKey: Sendable {
        /// The selector the key signs under (``DKIMSigner/selectors(base:for:)``).
        public let selector: String
        public let key: DKIMKey
        /// The path of the PEM file written.
        public let path: String
        /// The zone-file line publishing the public key (``DKIMKey/dnsTXTRecord(domain:selector:)``).
        public let dnsRecord: String
    }

    /// The file a key of `algorithm` for `selector` is written to: `<selector>.rsa.pem` or `<selector>.ed25519.pem`.
    public static func fileName(selector: String, algorithm: DKIMKey.Algorithm) -> String {
        "\(selector).\(algorithm.keyType).pem"
    }

    /// Generates one key per algorithm (RSA 2048, Ed25519) and writes them to `directory`. When
    /// any of the files exists already, fails with `.keyFileExists` before writing anything.
    public static func generate(
        domain: String, selector: String, algorithms: [DKIMKey.Algorithm], directory: String
    ) throws(DKIMError) -> [GeneratedKey] {
        guard DKIMSigner.isDomainName(domain) else {
            throw DKIMError(
                .invalidConfiguration, field: "domain", "\(domain.debugDescription) is not an ASCII domain name (use the A-label of an IDN)")
        }
        guard DKIMSigner.isDomainName(selector) else {
            throw DKIMError(.invalidConfiguration, field: "selector", "\(selector.debugDescription) is not a valid DKIM selector")
        }
        guard !algorithms.isEmpty else { throw DKIMError(.invalidConfiguration, field: "algorithm", "no algorithm chosen") }
        let folder = directory.hasSuffix("/") || directory.isEmpty ? directory : directory + "/"
        let paths = algorithms.map { folder + fileName(selector: selector, algorithm: $0) }
        for path in paths where access(path, F_OK) == 0 {
            throw DKIMError(.keyFileExists, field: path, "\(path) exists; not overwriting a key (remove it first, or pick another selector or --out)")
        }
        var keys: [DKIMKey] = []
        for algorithm in algorithms {
            switch algorithm {
            case .rsaSHA256: keys.append(try DKIMKey.generateRSA(bits: 2048))
            case .ed25519SHA256: keys.append(DKIMKey.generateEd25519())
            }
        }
        let selectors = DKIMSigner.selectors(base: selector, for: keys)
        var generated: [GeneratedKey] = []
        for ((key, keySelector), path) in zip(zip(keys, selectors), paths) {
            try writeNewFile(path, contents: key.pem)
            generated.append(
                GeneratedKey(selector: keySelector, key: key, path: path, dnsRecord: key.dnsTXTRecord(domain: domain, selector: keySelector)))
        }
        return generated
    }

    /// Creates `path` readable by its owner only; `O_EXCL` makes "exists" an error even when
    /// another process creates the file between the check above and this call.
    private static func writeNewFile(_ path: String, contents: String) throws(DKIMError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            let code = errno
            if code == EEXIST { throw DKIMError(.keyFileExists, field: path, "\(path) exists; not overwriting a key") }
            throw DKIMError(.keyFileUnwritable, field: path, "cannot create \(path): \(String(cString: strerror(code)))")
        }
        defer { close(descriptor) }
        let bytes = Array(contents.utf8)
        var written = 0
        while written < bytes.count {
            let result = bytes[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if result < 0 {
                if errno == EINTR { continue }
                let code = errno
                throw DKIMError(.keyFileUnwritable, field: path, "cannot write \(path): \(String(cString: strerror(code)))")
            }
            written += result
        }
    }
}
