extension DKIMKey {
    /// The TXT record's text: `v=DKIM1; k=rsa; p=…` or `v=DKIM1; k=ed25519; p=…`.
    public var dnsRecordText: String { "v=DKIM1; k=\(algorithm.keyType); p=\(dnsPublicKey)" }

    /// The record as a zone-file line, `<selector>._domainkey.<domain>. IN TXT "…" "…"`, its text
    /// cut into quoted strings of at most 255 characters (the limit of one DNS character-string).
    public func dnsTXTRecord(domain: String, selector: String) -> String {
        let owner = "\(selector)._domainkey.\(domain.hasSuffix(".") ? String(domain.dropLast()) : domain)."
        return "\(owner) IN TXT \(Self.quotedCharacterStrings(dnsRecordText))"
    }

    /// `text` as DNS character-strings of at most 255 bytes each, quoted and separated by spaces.
    static func quotedCharacterStrings(_ text: String) -> String {
        var chunks: [String] = []
        var remaining = Substring(text)
        repeat {
            let chunk = remaining.prefix(255)
            chunks.append("\"\(chunk)\"")
            remaining = remaining.dropFirst(chunk.count)
        } while !remaining.isEmpty
        return chunks.joined(separator: " ")
    }
}
