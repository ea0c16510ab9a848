import CarteiroChatProtocol
import CarteiroConversations
import CarteiroDomain
import Logging
import NIOWebSocket
import WSCore

/// Everything one connection writes, in one place: frames go out one at a time, and the entries
/// of each conversation go out in sequence order, each once. Entries come from the hub (this
/// process or, through the feed, another), from the caller's own writes, and from the store
/// when one skips ahead of what was sent (a gap is filled by reading the store).
actor EntryOutbox {
    private let outbound: WebSocketOutboundWriter
    private let service: ConversationService
    private let forAgent: Bool
    private let logger: Logger
    /// Per conversation, every sequence up to this one was sent.
    private var sent: [ConversationID: Int] = [:]
    private var broken = false
    /// Frames in the order they were sent, written by `writeFrames()`: writing them from the
    /// actor would let a later frame overtake an earlier one while the actor waits on a write.
    private let queued: AsyncStream<Outgoing>
    private let queue: AsyncStream<Outgoing>.Continuation

    private enum Outgoing {
        case text(String)
        case close(WebSocketErrorCode, reason: String)
    }

    init(outbound: WebSocketOutboundWriter, service: ConversationService, forAgent: Bool, logger: Logger) {
        self.outbound = outbound
        self.service = service
        self.forAgent = forAgent
        self.logger = logger
        (queued, queue) = AsyncStream.makeStream()
    }

    /// Writes what was sent to this outbox, in order, until `finish()` or `close(_:reason:)`
    /// (or the peer is gone). Run it beside the connection, and await it after `finish()`.
    nonisolated func writeFrames() async {
        for await item in queued {
            do {
                switch item {
                case .text(let text):
                    try await outbound.writeTextMessage(text)
                case .close(let code, let reason):
                    try await outbound.close(code, reason: reason)
                    return
                }
            } catch {
                // The peer is gone; the inbound side ends the connection.
                await markBroken()
                return
            }
        }
    }

    /// Nothing more will be sent: `writeFrames()` returns once what was sent is written.
    func finish() { queue.finish() }

    /// Closes the connection after the frames sent before.
    func close(_ code: WebSocketErrorCode, reason: String) {
        guard !broken else { return }
        queue.yield(.close(code, reason: reason))
        queue.finish()
    }

    private func markBroken() {
        broken = true
        queue.finish()
    }

    /// Starts a conversation's stream after `sequence` (what the client already has).
    func track(_ conversation: ConversationID, after sequence: Int) {
        sent[conversation] = max(sequence, sent[conversation] ?? 0)
    }

    func untrack(_ conversation: ConversationID) { sent[conversation] = nil }

    func send(_ frame: ServerFrame) {
        guard !broken else { return }
        queue.yield(.text(frame.jsonText))
    }

    /// Client ids of messages this connection wrote and has not acknowledged yet: their entries
    /// go out as `ack`, not as `message`, whichever way they arrive first.
    private var unacknowledged: Set<String> = []

    /// Notes that the client sent a message with this id (call before storing it).
    func expectAcknowledgement(of clientID: String) { unacknowledged.insert(clientID) }

    /// Sends `entry` unless it was sent; entries missing before it are read and sent first.
    func deliver(_ entry: ChatMessage) async {
        guard let last = sent[entry.conversationID], entry.sequence > last else { return }
        if entry.sequence > last + 1 { await catchUp(entry.conversationID, through: entry.sequence - 1) }
        guard entry.sequence == (sent[entry.conversationID] ?? 0) + 1 else { return }
        sent[entry.conversationID] = entry.sequence
        send(frame(for: entry))
    }

    /// Acknowledges a message the client wrote, stored under `entry.sequence` (a resend may name
    /// an old one): the ack takes the place of the entry in the stream, once.
    func acknowledge(_ entry: ChatMessage, clientID: String, followedBy replies: [ChatMessage]) async {
        await acknowledge(entry, clientID: clientID)
        for reply in replies { await deliver(reply) }
    }

    func acknowledge(_ entry: ChatMessage, clientID: String) async {
        let conversationID = entry.conversationID
        let last = sent[conversationID] ?? 0
        if entry.sequence > last {
            // Entries before it are sent first; the entry itself then goes out as this ack.
            if entry.sequence > last + 1 { await catchUp(conversationID, through: entry.sequence - 1) }
            await deliver(entry)
        }
        // Already sent as an ack (it came through the hub first) unless still expected.
        guard unacknowledged.remove(clientID) != nil else { return }
        send(.ack(clientID: clientID, sequence: entry.sequence, conversationID: forAgent ? conversationID.rawValue : nil))
    }

    private func frame(for entry: ChatMessage) -> ServerFrame {
        if let clientID = entry.clientMessageID, unacknowledged.remove(clientID) != nil {
            return .ack(clientID: clientID, sequence: entry.sequence, conversationID: forAgent ? entry.conversationID.rawValue : nil)
        }
        return ServerFrame(entry: entry, forAgent: forAgent)
    }

    /// Sends every stored entry after what was sent, up to `sequence` (or all).
    func catchUp(_ conversation: ConversationID, through sequence: Int? = nil) async {
        guard let last = sent[conversation] else { return }
        do {
            for entry in try await service.entries(of: conversation, after: last) {
                if let sequence, entry.sequence > sequence { break }
                guard entry.sequence == (sent[conversation] ?? 0) + 1 else { break }
                sent[conversation] = entry.sequence
                send(frame(for: entry))
            }
        } catch {
            logger.warning("cannot read a conversation to fill a gap", metadata: ["conversation": "\(conversation)", "error": "\(error)"])
        }
    }
}
