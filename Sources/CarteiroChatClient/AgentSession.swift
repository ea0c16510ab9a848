public import CarteiroChatProtocol
import Foundation
import HummingbirdWSClient
import NIOWebSocket
public import Logging

/// A human agent's connection to `/agent` that survives network drops: after a reconnect it asks
/// again for the waiting list and for what it missed in the conversations it had claimed,
/// resends unacknowledged replies under their first client id, and passes each conversation
/// frame on once.
public actor AgentSession {
    private struct Pending {
        let conversationID: String
        let clientID: String
        let text: String
    }

    private let connection: Connection
    private let policy: ReconnectPolicy
    private var sequences: [String: SequenceTracker] = [:]
    private var claimed: Set<String> = []
    /// Conversations whose `history` answers a catch-up after a reconnect, not the user.
    private var catchingUp: Set<String> = []
    private var pending: [Pending] = []
    private var link = ConnectionLink()

    public init(url: String, token: String, policy: ReconnectPolicy = ReconnectPolicy(), logger: Logger) {
        self.connection = Connection(url: url, bearerToken: token, logger: logger)
        self.policy = policy
    }

    public var claimedConversations: Set<String> { claimed }

    /// Sends a frame. A `message` is kept until acknowledged and resent after a reconnect; other
    /// frames are sent only if connected (returns false when not).
    @discardableResult
    public func send(_ frame: AgentFrame) async -> Bool {
        if case let .message(conversationID, clientID, text) = frame {
            pending.append(Pending(conversationID: conversationID, clientID: clientID, text: text))
        }
        guard let writer = link.writer else { return false }
        do {
            try await writer.writeTextMessage(frame.jsonText)
            return true
        } catch {
            return false
        }
    }

    public func close() async {
        link.finished = true
        try? await link.writer?.close(.normalClosure, reason: nil)
    }

    public func run(onEvent: @escaping @Sendable (SessionEvent) async -> Void) async throws {
        try await policy.keepConnected {
            let ended = await connection.run(
                opened: { outbound in try await self.opened(outbound, onEvent: onEvent) },
                received: { frame, _ in await self.received(frame, onEvent: onEvent) })
            return self.link.ended(ended)
        } onDrop: { reason, retryIn in
            await onEvent(.disconnected(reason: reason, retryIn: retryIn))
        }
    }

    /// The agent endpoint has no welcome: the upgrade itself proves the token.
    private func opened(_ outbound: WebSocketOutboundWriter, onEvent: @Sendable (SessionEvent) async -> Void) async throws {
        link.up(outbound)
        await onEvent(.connected(conversationID: nil, resumed: !sequences.isEmpty))
        try await outbound.writeTextMessage(AgentFrame.list.jsonText)
        for conversationID in claimed.sorted() {
            catchingUp.insert(conversationID)
            let after = sequences[conversationID]?.contiguous ?? 0
            try await outbound.writeTextMessage(AgentFrame.history(conversationID: conversationID, afterSequence: after).jsonText)
        }
        for message in pending {
            try await outbound.writeTextMessage(
                AgentFrame.message(conversationID: message.conversationID, clientID: message.clientID, text: message.text).jsonText)
        }
    }

    private func received(_ frame: ServerFrame, onEvent: @Sendable (SessionEvent) async -> Void) async {
        switch frame {
        case let .claimed(conversationID):
            claimed.insert(conversationID)
            await onEvent(.frame(frame))
        case let .ack(clientID, sequence, conversationID):
            pending.removeAll { $0.clientID == clientID }
            if let conversationID, !markSeen(sequence, in: conversationID) { return }
            await onEvent(.frame(frame))
        case let .history(conversationID, messages):
            if catchingUp.remove(conversationID) != nil {
                for message in messages where markSeen(message.sequence, in: conversationID) {
                    var message = message
                    message.conversationID = conversationID
                    await onEvent(.frame(.message(message)))
                }
            } else {
                for message in messages { _ = markSeen(message.sequence, in: conversationID) }
                await onEvent(.frame(frame))
            }
        default:
            if case let .message(payload) = frame, let conversationID = payload.conversationID,
                !markSeen(payload.sequence, in: conversationID)
            {
                return
            }
            if case let .handoff(sequence, state, _, conversationID?) = frame {
                guard markSeen(sequence, in: conversationID) else { return }
                if state == .returnedToBot { claimed.remove(conversationID) }
            }
            if case let .closed(sequence, conversationID?) = frame {
                guard markSeen(sequence, in: conversationID) else { return }
                claimed.remove(conversationID)
            }
            await onEvent(.frame(frame))
        }
    }

    private func markSeen(_ sequence: Int, in conversationID: String) -> Bool {
        sequences[conversationID, default: SequenceTracker()].markSeen(sequence)
    }
}
