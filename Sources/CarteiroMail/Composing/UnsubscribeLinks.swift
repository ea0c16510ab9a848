import Crypto
import Foundation

/// One-click unsubscribe links (RFC 8058): a token naming the job, signed with a server secret,
/// so a link cannot be forged for someone else and needs no lookup table.
public struct UnsubscribeLinks: Sendable {
    /// Base of the HTTPS link, e.g. `https://mail.isp.example/u/`.
    public let baseURL: String
    /// Address for the `mailto:` alternative, e.g. `unsubscribe@isp.example`.
    public let mailbox: String
    /// `List-Id` value, e.g. `Ofertas <ofertas.isp.example>`.
    public let listID: String
    private let key: SymmetricKey

    public init(baseURL: String, mailbox: String, listID: String, secret: [UInt8]) {
        self.baseURL = baseURL.hasSuffix("/") ? baseURL : baseURL + "/"
        self.mailbox = mailbox
        self.listID = listID
        self.key = SymmetricKey(data: secret)
    }

    public func token(for jobID: String) -> String {
        "\(jobID).\(signature(of: jobID))"
    }

    public func url(for jobID: String) -> String { baseURL + token(for: jobID) }

    /// The job a token names, if the token is genuine.
    public func jobID(fromToken token: String) -> String? {
        guard let dot = token.lastIndex(of: ".") else { return nil }
        let jobID = String(token[..<dot])
        let given = Array(token[token.index(after: dot)...].utf8)
        let expected = Array(signature(of: jobID).utf8)
        // Constant-time comparison: the signature must not leak byte by byte.
        guard given.count == expected.count else { return nil }
        var difference: UInt8 = 0
        for (a, b) in zip(given, expected) { difference |= a ^ b }
        return difference == 0 ? jobID : nil
    }

    private func signature(of jobID: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(jobID.utf8), using: key)
        return Data(mac.prefix(16)).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
