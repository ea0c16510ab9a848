import Crypto
public import Foundation

/// The `Carteiro-Signature` header of a webhook request: `t=<unix seconds>,v1=<hex>`, where the
/// hex is the lowercase HMAC-SHA256, keyed with the webhook's secret, of `"<t>.<body>"`.
///
/// A receiver recomputes `v1` over the raw body it got and compares in constant time; it
/// rejects a `t` more than `replayWindow` away from its own clock, so that a captured request
/// cannot be replayed later. A retry is signed again with a fresh `t`.
public struct WebhookSignature: Sendable, Hashable {
    public static let headerName = "Carteiro-Signature"
    /// How far from the receiver's clock `t` may be: 5 minutes.
    public static let replayWindow: TimeInterval = 300

    public let timestamp: Int64
    public let v1: String

    public init(secret: String, timestamp: Int64, body: some DataProtocol) {
        var signed = Data("\(timestamp).".utf8)
        signed.append(contentsOf: body)
        let mac = HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: Data(secret.utf8)))
        self.timestamp = timestamp
        self.v1 = mac.map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    public var headerValue: String { "t=\(timestamp),v1=\(v1)" }

    /// Whether `header` is a valid signature of `body` with `secret`, made within the replay
    /// window of `now`: what a receiver checks.
    public static func verify(header: String, body: some DataProtocol, secret: String, now: Date) -> Bool {
        var timestamp: Int64?
        var signatures: [String] = []
        for part in header.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { continue }
            if pair[0] == "t" { timestamp = Int64(pair[1]) } else if pair[0] == "v1" { signatures.append(pair[1]) }
        }
        guard let timestamp, abs(now.timeIntervalSince1970 - Double(timestamp)) <= replayWindow else { return false }
        let expected = Array(WebhookSignature(secret: secret, timestamp: timestamp, body: body).v1.utf8)
        return signatures.contains { candidate in
            let given = Array(candidate.utf8)
            guard given.count == expected.count else { return false }
            // Constant time over the whole string.
            return zip(given, expected).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
        }
    }
}
