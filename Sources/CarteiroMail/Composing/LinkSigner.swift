import Crypto
import Foundation

/// Signs the tokens of links Carteiro puts in its mail (unsubscribe, open, click) with the
/// server's secret: 16 bytes of HMAC-SHA256, base64url, so a token cannot be forged for another
/// message or link, and a genuine one needs no lookup table.
public struct LinkSigner: Sendable {
    private let key: SymmetricKey

    public init(secret: [UInt8]) {
        key = SymmetricKey(data: secret)
    }

    /// `payload.signature`.
    public func sign(_ payload: String) -> String { payload + "." + signature(of: payload) }

    /// The payload of a token this signer made; nil for anything else (compared in constant time).
    public func payload(of token: some StringProtocol) -> String? {
        guard let dot = token.lastIndex(of: ".") else { return nil }
        let payload = String(token[..<dot])
        let given = Array(token[token.index(after: dot)...].utf8)
        let expected = Array(signature(of: payload).utf8)
        guard given.count == expected.count else { return nil }
        var difference: UInt8 = 0
        for (a, b) in zip(given, expected) { difference |= a ^ b }
        return difference == 0 ? payload : nil
    }

    private func signature(of payload: String) -> String {
        Base64URL.encode(Array(HMAC<SHA256>.authenticationCode(for: Data(payload.utf8), using: key).prefix(16)))
    }
}

/// Base64 with `-` and `_`, without padding (RFC 4648 section 5): safe in a URL path.
public enum Base64URL {
    public static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64).map(Array.init)
    }
}
