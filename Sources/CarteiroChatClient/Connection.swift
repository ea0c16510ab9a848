import CarteiroChatProtocol
import HTTPTypes
import HummingbirdWSClient
import Logging

/// One WebSocket connection of a session: `opened` gets the writer, `received` each decoded
/// server frame; returns how the connection ended, as a sentence.
struct Connection {
    let url: String
    let bearerToken: String?
    let logger: Logger

    func run(
        opened: @escaping @Sendable (WebSocketOutboundWriter) async throws -> Void,
        received: @escaping @Sendable (ServerFrame, WebSocketOutboundWriter) async throws -> Void
    ) async -> String {
        var configuration = WebSocketClientConfiguration(maxFrameSize: 1 << 16)
        if let bearerToken { configuration.additionalHeaders[.authorization] = "Bearer \(bearerToken)" }
        let logger = logger
        do {
            let close = try await WebSocketClient.connect(url: url, configuration: configuration, logger: logger) { inbound, outbound, _ in
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
            return close.map { "closed by the server (\($0.closeCode)\($0.reason.map { ": \($0)" } ?? ""))" } ?? "connection closed"
        } catch {
            return "\(error)"
        }
    }
}
