/// A mailbox: an addr-spec and an optional display name.
///
/// `init(_:displayName:)` validates (for building messages); addresses read from received mail are
/// kept as found, since real headers are often not valid (see `MailAddress.list(parsing:)`).
public struct MailAddress: Sendable, Hashable, CustomStringConvertible {
    /// The name shown to people, unquoted and decoded (`Souza, Ana "Aninha"`).
    public let displayName: String?
    /// The addr-spec, `local@domain`, without angle brackets.
    public let address: String

    /// Validates `address` as an RFC 5321/5322 addr-spec — a dot-atom or quoted local part, and a
    /// domain of LDH labels or an address literal; UTF-8 in either half is accepted (RFC 6531) —
    /// and rejects CR, LF or NUL in the display name.
    public init(_ address: String, displayName: String? = nil) throws(MIMEError) {
        try MIMEError.checkNoLineBreaks(address, field: "address")
        if let displayName { try MIMEError.checkNoLineBreaks(displayName, field: "displayName") }
        try Self.validate(address)
        self.address = address
        self.displayName = displayName.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// No validation: for addresses taken from received mail.
    init(unchecked address: String, displayName: String?) {
        self.address = address
        self.displayName = displayName
    }

    /// The local part, before the last `@`.
    public var localPart: Substring {
        guard let at = address.lastIndex(of: "@") else { return address[...] }
        return address[..<at]
    }

    /// The domain, after the last `@`.
    public var domain: Substring {
        guard let at = address.lastIndex(of: "@") else { return "" }
        return address[address.index(after: at)...]
    }

    public var description: String {
        guard let displayName else { return address }
        return "\(displayName) <\(address)>"
    }

    // MARK: Validation

    /// A character as a person can read it in an error: invisible ones by name, others quoted.
    static func characterName(_ byte: UInt8) -> String {
        switch byte {
        case 32: "a space"
        case 9: "a tab"
        case 10: "a line feed"
        case 13: "a carriage return"
        case 0..<32, 127: "the control character U+\(String(byte, radix: 16, uppercase: true).leftPadded(to: 4))"
        case UInt8(ascii: ","): "a comma"
        case UInt8(ascii: ";"): "a semicolon"
        default: "'\(Character(Unicode.Scalar(byte)))'"
        }
    }

    private static func invalid(_ address: String, _ reason: String) -> MIMEError {
        MIMEError(.invalidAddress, field: "address", "\(address.debugDescription) is not a valid address: \(reason)")
    }

    private static func isAtext(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
            UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "/"), UInt8(ascii: "="), UInt8(ascii: "?"),
            UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "{"), UInt8(ascii: "|"), UInt8(ascii: "}"),
            UInt8(ascii: "~"):
            true
        default: byte >= 0x80  // UTF-8 (RFC 6531); the String is already valid UTF-8.
        }
    }

    private static func validate(_ address: String) throws(MIMEError) {
        let bytes = Array(address.utf8)
        guard let at = bytes.lastIndex(of: UInt8(ascii: "@")) else { throw invalid(address, "no @") }
        let local = bytes[..<at]
        let domain = bytes[(at + 1)...]
        guard !local.isEmpty else { throw invalid(address, "empty local part") }
        guard local.count <= 64 else { throw invalid(address, "local part longer than 64 octets") }
        guard !domain.isEmpty else { throw invalid(address, "empty domain") }
        guard bytes.count <= 254 else { throw invalid(address, "longer than 254 octets") }
        try validateLocalPart(local, address)
        try validateDomain(domain, address)
    }

    private static func validateLocalPart(_ local: ArraySlice<UInt8>, _ address: String) throws(MIMEError) {
        if local.first == UInt8(ascii: "\"") {
            guard local.count >= 2, local.last == UInt8(ascii: "\"") else { throw invalid(address, "unterminated quoted local part") }
            var index = local.startIndex + 1
            let end = local.endIndex - 1
            while index < end {
                let byte = local[index]
                if byte == UInt8(ascii: "\\") {
                    guard index + 1 < end, local[index + 1] >= 32, local[index + 1] != 127 else {
                        throw invalid(address, "bad escape in quoted local part")
                    }
                    index += 2
                    continue
                }
                guard byte == 32 || byte == 9 || (byte > 32 && byte != 127 && byte != UInt8(ascii: "\"")) else {
                    throw invalid(address, "character not allowed in quoted local part")
                }
                index += 1
            }
            return
        }
        var previousWasDot = true
        for byte in local {
            if byte == UInt8(ascii: ".") {
                if previousWasDot { throw invalid(address, "local part has an empty dot-separated part") }
                previousWasDot = true
            } else if isAtext(byte) {
                previousWasDot = false
            } else {
                throw invalid(address, "\(characterName(byte)) is not allowed in the local part")
            }
        }
        if previousWasDot { throw invalid(address, "local part ends with a dot") }
    }

    private static func validateDomain(_ domain: ArraySlice<UInt8>, _ address: String) throws(MIMEError) {
        if domain.first == UInt8(ascii: "[") {
            guard domain.last == UInt8(ascii: "]"), domain.count > 2 else { throw invalid(address, "unterminated address literal") }
            let inner = domain.dropFirst().dropLast()
            guard inner.allSatisfy({ $0 > 32 && $0 < 127 && $0 != UInt8(ascii: "[") && $0 != UInt8(ascii: "]") && $0 != UInt8(ascii: "\\") })
            else { throw invalid(address, "character not allowed in address literal") }
            return
        }
        guard domain.count <= 253 else { throw invalid(address, "domain longer than 253 octets") }
        for label in domain.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false) {
            guard !label.isEmpty else { throw invalid(address, "domain has an empty label") }
            guard label.count <= 63 else { throw invalid(address, "domain label longer than 63 octets") }
            guard label.first != UInt8(ascii: "-"), label.last != UInt8(ascii: "-") else {
                throw invalid(address, "domain label starts or ends with a hyphen")
            }
            for byte in label {
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                    UInt8(ascii: "-"), 0x80...0xFF:
                    continue
                default:
                    throw invalid(address, "\(characterName(byte)) is not allowed in the domain")
                }
            }
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
