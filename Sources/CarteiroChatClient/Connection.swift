import CarteiroChatProtocol
import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOWebSocket
import Synchronization

/// One WebSocket connection of a session: `opened` gets the writer, `received` each decoded
/// server frame; returns how the connection ended.
struct Connection {
    let url: String
    let bearerToken: String?
    let logger: Logger

    /// How a connection ended.
    struct Ended: Sendable, Equatable {
        /// A sentence for the user.
        let reason: String
        /// The server refused the token (401 or 403 at the upgrade, or a close with 4401 when it
        /// was revoked or expired): reconnecting cannot help.
        var tokenRefused = false
    }

    /// The close code of a session whose token was revoked or expired while it was open.
    static let tokenRefusedCloseCode: UInt16 = 4401

    func run(
        opened: @escaping @Sendable (WebSocketOutboundWriter) async throws -> Void,
        received: @escaping @Sendable (ServerFrame, WebSocketOutboundWriter) async throws -> Void
    ) async -> Ended {
        var configuration = WebSocketClientConfiguration(maxFrameSize: 1 << 16)
        if let bearerToken { configuration.additionalHeaders[.authorization] = "Bearer \(bearerToken)" }
        let logger = logger
        let upgraded = UpgradeFlag()
        do {
            let close = try await WebSocketClient.connect(url: url, configuration: configuration, logger: logger) { inbound, outbound, _ in
                upgraded.set()
                try await opened(outbound)
                for try await message in inbound.messages(maxSize: 1 << 16) {
                    guard case let .text(text) = message else { continue }
                    let frame: ServerFrame
                    do {
                        frame = try ServerFrame(jsonText: text)
                    } catch {
                        logger.warning("unreadable frame from the server", metadata: ["error": "\(error)"])
                        continue
                    }
                    try await received(frame, outbound)
                }
            }
            guard let close else { return Ended(reason: "connection closed") }
            let reason = "closed by the server (\(close.closeCode)\(close.reason.map { ": \($0)" } ?? ""))"
            if case .unknown(let code) = close.closeCode, code == Self.tokenRefusedCloseCode {
                return Ended(reason: close.reason ?? "token revoked", tokenRefused: true)
            }
            return Ended(reason: reason)
        } catch {
            // A refused upgrade is only `webSocketUpgradeFailed` (or, when the refusal closes the
            // socket first, an I/O error): the client sees no status. Ask the endpoint, with the
            // same token, why.
            if !upgraded.isSet, let bearerToken, let answer = await RefusalProbe(url: url, bearerToken: bearerToken).ask(), answer.refusesToken {
                return Ended(reason: "\(answer.status)\(answer.message.map { " \($0)" } ?? "")", tokenRefused: true)
            }
            return Ended(reason: "\(error)")
        }
    }
}

/// Whether a connection got as far as the upgrade.
private final class UpgradeFlag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}
