import CarteiroChatProtocol
import Foundation
import HummingbirdWSClient
import NIOWebSocket
public import Logging

/// A customer's side of a chat that survives network drops: it reconnects by itself, resumes
/// the conversation from the last sequence it saw, resends messages the server has not
/// acknowledged (under their first client id, so the server stores each once) and passes every
/// server frame on exactly once.
public actor CustomerSession {
    public struct Identity: Sendable {
        public var name: String?
        public var locale: String?

        public init(name: String? = nil, locale: String? = nil) {
            self.name = name
            self.locale = locale
        }
    }

    private struct Pending {
        let clientID: String
        let text: String
    }

    private let connection: Connection
    private let identity: Identity
    private let policy: ReconnectPolicy
    private var resumeToken: String?
    private var sequences = SequenceTracker()
    private var pending: [Pending] = []
    private var link = ConnectionLink()

    public init(url: String, identity: Identity = Identity(), policy: ReconnectPolicy = ReconnectPolicy(), logger: Logger) {
        self.connection = Connection(url: url, bearerToken: nil, logger: logger)
        self.identity = identity
        self.policy = policy
    }

    /// Messages sent but not yet acknowledged as stored.
    public var unacknowledged: Int { pending.count }

    /// Queues a customer message: sent now if connected, otherwise once the session is back.
    /// Returns its client id.
    @discardableResult
    public func send(_ text: String) async -> String {
        let message = Pending(clientID: UUID().uuidString.lowercased(), text: text)
        pending.append(message)
        await write(.message(clientID: message.clientID, text: message.text))
        return message.clientID
    }

    /// Sends `typing` if connected (not worth queueing).
    public func typing() async { await write(.typing) }

    /// Ends the session: the connection is closed and `run` returns.
    public func close() async {
        link.finished = true
        try? await link.writer?.close(.normalClosure, reason: nil)
    }

    /// Connects, and reconnects after every drop, until the task is cancelled, the conversation
    /// is closed, `close()` is called or the reconnect policy gives up; `onEvent` sees
    /// everything the user should, in order.
    public func run(onEvent: @escaping @Sendable (SessionEvent) async -> Void) async throws {
        try await policy.keepConnected {
            let ended = await connection.run(
                opened: { outbound in try await self.opened(outbound) },
                received: { frame, outbound in try await self.received(frame, outbound: outbound, onEvent: onEvent) })
            return self.link.ended(ended)
        } onDrop: { reason, retryIn in
            await onEvent(.disconnected(reason: reason, retryIn: retryIn))
        }
    }

    private func opened(_ outbound: WebSocketOutboundWriter) async throws {
        try await outbound.writeTextMessage(hello().jsonText)
    }

    private func hello() -> CustomerFrame {
        .hello(resume: resumeToken, lastSequence: resumeToken == nil ? nil : sequences.contiguous, locale: identity.locale, name: identity.name)
    }

    private func received(_ frame: ServerFrame, outbound: WebSocketOutboundWriter, onEvent: @Sendable (SessionEvent) async -> Void) async throws {
        switch frame {
        case let .welcome(conversationID, resume, _):
            let resumed = resumeToken == resume
            resumeToken = resume
            link.up(outbound)
            await onEvent(.connected(conversationID: conversationID, resumed: resumed))
            for message in pending {
                try await outbound.writeTextMessage(CustomerFrame.message(clientID: message.clientID, text: message.text).jsonText)
            }
        case let .ack(clientID, sequence, _):
            pending.removeAll { $0.clientID == clientID }
            if sequences.markSeen(sequence) { await onEvent(.frame(frame)) }
        case .error(.unknownConversation, _, _):
            // The token names no conversation (expired, or another server's): start a new one.
            resumeToken = nil
            sequences = SequenceTracker()
            await onEvent(.frame(frame))
            try await outbound.writeTextMessage(hello().jsonText)
        default:
            if let sequence = frame.sequence, !sequences.markSeen(sequence) { return }
            await onEvent(.frame(frame))
            if case .closed = frame {
                link.finished = true
                try await outbound.close(.normalClosure, reason: nil)
            }
        }
    }

    private func write(_ frame: CustomerFrame) async {
        guard let writer = link.writer else { return }
        do {
            try await writer.writeTextMessage(frame.jsonText)
        } catch {
            // The connection is going away; a message stays pending and is resent on reconnect.
        }
    }
}
