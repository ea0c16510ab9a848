import CarteiroChatProtocol
import CarteiroConversations
import CarteiroDomain
import Logging
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

    init(outbound: WebSocketOutboundWriter, service: ConversationService, forAgent: Bool, logger: Logger) {
        self.outbound = outbound
        self.service = service
        self.forAgent = forAgent
        self.logger = logger
    }

    /// Starts a conversation's stream after `sequence` (what the client already has).
    func track(_ conversation: ConversationID, after sequence: Int) {
        sent[conversation] = max(sequence, sent[conversation] ?? 0)
    }

    func untrack(_ conversation: ConversationID) { sent[conversation] = nil }

    func send(_ frame: ServerFrame) async {
        guard !broken else { return }
        do {
            try await outbound.writeTextMessage(frame.jsonText)
        } catch {
            // The peer is gone; the inbound side ends the connection.
            broken = true
        }
    }

    /// Sends `entry` unless it was sent; entries missing before it are read and sent first.
    func deliver(_ entry: ChatMessage) async {
        guard let last = sent[entry.conversationID], entry.sequence > last else { return }
        if entry.sequence > last + 1 { await catchUp(entry.conversationID, through: entry.sequence - 1) }
        guard entry.sequence == (sent[entry.conversationID] ?? 0) + 1 else { return }
        sent[entry.conversationID] = entry.sequence
        await send(ServerFrame(entry: entry, forAgent: forAgent))
    }

    /// Acknowledges a message the client wrote, stored under `entry.sequence`: the ack takes the
    /// place of the entry in the stream.
    func acknowledge(_ entry: ChatMessage, clientID: String) async {
        let conversationID = entry.conversationID
        let last = sent[conversationID] ?? 0
        if entry.sequence > last + 1 { await catchUp(conversationID, through: entry.sequence - 1) }
        if entry.sequence == (sent[conversationID] ?? 0) + 1 { sent[conversationID] = entry.sequence }
        await send(.ack(clientID: clientID, sequence: entry.sequence, conversationID: forAgent ? conversationID.rawValue : nil))
    }

    /// Sends every stored entry after what was sent, up to `sequence` (or all).
    func catchUp(_ conversation: ConversationID, through sequence: Int? = nil) async {
        guard let last = sent[conversation] else { return }
        do {
            for entry in try await service.entries(of: conversation, after: last) {
                if let sequence, entry.sequence > sequence { break }
                guard entry.sequence == (sent[conversation] ?? 0) + 1 else { break }
                sent[conversation] = entry.sequence
                await send(ServerFrame(entry: entry, forAgent: forAgent))
            }
        } catch {
            logger.warning("cannot read a conversation to fill a gap", metadata: ["conversation": "\(conversation)", "error": "\(error)"])
        }
    }
}
