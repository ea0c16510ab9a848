/// A syntactically valid mailbox address (RFC 5321/5322 `addr-spec`), internationalized domains
/// and local parts (RFC 6531) accepted.
///
/// `canonical` is the key for uniqueness: the domain is case-insensitive by the RFCs and the
/// local part is case-insensitive in practice at every provider, so both are lower-cased.
public struct EmailAddress: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    public let value: String

    public init(_ raw: String, field: String = "email") throws(ValidationError) {
        let candidate = raw.trimmingWhitespace()
        guard !candidate.isEmpty else { throw .empty(field) }
        guard candidate.utf8.count <= 254 else {
            throw ValidationError(field: field, reason: "'\(raw)' is longer than 254 octets")
        }
        guard let at = candidate.lastIndex(of: "@") else {
            throw ValidationError(field: field, reason: "'\(raw)' has no @")
        }
        let local = candidate[..<at]
        let domain = candidate[candidate.index(after: at)...]
        guard Self.isValidLocalPart(local) else {
            throw ValidationError(field: field, reason: "'\(raw)' has an invalid local part")
        }
        guard Self.isValidDomain(domain) else {
            throw ValidationError(field: field, reason: "'\(raw)' has an invalid domain")
        }
        self.value = candidate
    }

    /// An address read back from Carteiro's own store, where only validated addresses are written:
    /// not checked again (the checks are a measurable share of claiming and recording jobs).
    public init(storedValue: String) { self.value = storedValue }

    public var description: String { value }

    public var localPart: Substring { value[..<value.lastIndex(of: "@")!] }
    public var domain: Substring { value[value.index(after: value.lastIndex(of: "@")!)...] }

    /// Lower-cased form used for uniqueness and look-ups.
    public var canonical: String { value.lowercased() }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.canonical < rhs.canonical }

    public init(from decoder: any Decoder) throws {
        let raw = try decoder.singleValueContainer().decode(String.self)
        try self.init(raw)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }

    // RFC 5322 atext, plus any non-ASCII scalar (RFC 6531).
    private static func isAtext(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value > 0x7F { return scalar.properties.isAlphabetic || scalar.properties.numericType != nil }
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9": return true
        default: return "!#$%&'*+-/=?^_`{|}~".unicodeScalars.contains(scalar)
        }
    }

    private static func isValidLocalPart(_ local: Substring) -> Bool {
        guard !local.isEmpty, local.utf8.count <= 64 else { return false }
        if local.first == "\"" {
            // quoted-string: printable ASCII except bare quote and backslash, which need escaping.
            guard local.count >= 2, local.last == "\"" else { return false }
            var escaped = false
            for scalar in local.unicodeScalars.dropFirst().dropLast() {
                if escaped { escaped = false; continue }
                if scalar == "\\" { escaped = true; continue }
                if scalar == "\"" || scalar.value < 0x20 || scalar.value == 0x7F { return false }
            }
            return !escaped
        }
        // dot-atom: atoms separated by single dots, no leading or trailing dot.
        let atoms = local.split(separator: ".", omittingEmptySubsequences: false)
        return atoms.allSatisfy { atom in !atom.isEmpty && atom.unicodeScalars.allSatisfy(isAtext) }
    }

    private static func isValidDomain(_ domain: Substring) -> Bool {
        guard !domain.isEmpty, domain.utf8.count <= 253 else { return false }
        if domain.first == "[" {
            // address literal, e.g. [192.0.2.1] or [IPv6:...]
            return domain.last == "]" && domain.count > 2
                && domain.dropFirst().dropLast().unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F && $0 != "[" && $0 != "]" && $0 != "\\" }
        }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return false }
        return labels.allSatisfy { label in
            guard !label.isEmpty, label.utf8.count <= 63, label.first != "-", label.last != "-" else { return false }
            return label.unicodeScalars.allSatisfy { scalar in
                switch scalar {
                case "a"..."z", "A"..."Z", "0"..."9", "-": return true
                default: return scalar.value > 0x7F && (scalar.properties.isAlphabetic || scalar.properties.numericType != nil || scalar.properties.generalCategory == .nonspacingMark)
                }
            }
        }
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        // Nearly every address arrives trimmed: no copy then.
        if let first = unicodeScalars.first, let last = unicodeScalars.last, !first.properties.isWhitespace, !last.properties.isWhitespace {
            return String(self)
        }
        let scalars = Array(unicodeScalars)
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let end = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        var result = String.UnicodeScalarView()
        result.append(contentsOf: scalars[start...end])
        return String(result)
    }
}
