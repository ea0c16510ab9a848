import CarteiroChatProtocol
import CarteiroConversations
import CarteiroDomain
import Foundation
import Logging
import NIOWebSocket
import WSCore

/// One agent WebSocket (the token was checked at the upgrade): lists waiting conversations,
/// claims, reads history, replies, returns to the bot, closes. Entries of the conversations it
/// owns reach it through the outbox; hand-off notices of any conversation refresh its list.
struct AgentConnection {
    let agent: String
    let service: ConversationService
    let configuration: ChatConfiguration
    /// Yields once if the token stops being valid while the connection is open.
    let tokenEnding: AsyncStream<AgentTokenWatch.Ending>
    /// The connection's event loop, for its timeouts.
    let timer: EventLoopTimer
    let logger: Logger

    /// The live subscriptions of one connection, by conversation.
    private actor Subscriptions {
        var byConversation: [ConversationID: Int] = [:]
        func add(_ conversation: ConversationID, _ id: Int) -> Bool {
            guard byConversation[conversation] == nil else { return false }
            byConversation[conversation] = id
            return true
        }
        func remove(_ conversation: ConversationID) -> Int? { byConversation.removeValue(forKey: conversation) }
        func removeAll() -> [(ConversationID, Int)] {
            defer { byConversation = [:] }
            return byConversation.map { ($0.key, $0.value) }
        }
    }

    /// Runs the connection until either side ends it. Returns the error that ended the inbound
    /// side (invalid UTF-8, a message too large, a protocol error) for the WebSocket handler to
    /// close with its code (1007, 1009, 1002); nil when it ended otherwise.
    func run(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async -> (any Error)? {
        let outbox = EntryOutbox(outbound: outbound, service: service, forAgent: true, logger: logger)
        let limits = ConnectionLimits(configuration: configuration, timer: timer)
        let subscriptions = Subscriptions()
        let lobby = await service.hub.subscribeToLobby()
        async let written: Void = outbox.writeFrames()
        let ended = await withTaskGroup(of: Void.self, returning: (any Error)?.self) { group in
            group.addTask {
                await limits.waitUntilIdle()
                if !Task.isCancelled { await outbox.close(.goingAway, reason: "idle timeout") }
            }
            group.addTask {
                for await _ in lobby.entries { await sendWaiting(outbox) }
            }
            group.addTask {
                for await ending in tokenEnding {
                    await outbox.close(ChatRoutes.tokenRefused, reason: ending.rawValue)
                    return
                }
            }
            // An agent who reconnects gets its open conversations back.
            if let owned = try? await service.owned(by: agent) {
                for conversation in owned {
                    await follow(conversation.id, after: conversation.lastSequence, outbox: outbox, subscriptions: subscriptions, group: &group)
                    await outbox.catchUp(conversation.id)
                }
            }
            var ended: (any Error)?
            do {
                for try await message in inbound.messages(maxSize: configuration.maximumFrameBytes) {
                    guard let text = try await limits.admittedText(of: message, outbox: outbox) else { continue }
                    let frame: AgentFrame
                    do throws(FrameDecodingError) {
                        frame = try AgentFrame(jsonText: text)
                    } catch {
                        await outbox.send(.error(code: error.code, message: error.message))
                        continue
                    }
                    do throws(ConversationError) {
                        try await handle(frame, outbox: outbox, subscriptions: subscriptions, group: &group)
                    } catch {
                        await outbox.send(.error(code: ChatErrorCode(error), message: error.message, clientID: frame.clientID))
                    }
                }
            } catch {
                logger.debug("agent connection ends", metadata: ["reason": "\(error)"])
                // Cancellation comes from this side (abuse, shutdown), which closed already.
                if !(error is CancellationError) { ended = error }
            }
            await service.hub.unsubscribeFromLobby(lobby.id)
            for (conversation, id) in await subscriptions.removeAll() { await service.hub.unsubscribe(id, from: conversation) }
            group.cancelAll()
            return ended
        }
        // What was sent before the connection ended still goes out (an error, then a close).
        await outbox.finish()
        await written
        return ended
    }

    private func handle(
        _ frame: AgentFrame, outbox: EntryOutbox, subscriptions: Subscriptions, group: inout TaskGroup<Void>
    ) async throws(ConversationError) {
        switch frame {
        case .list:
            await sendWaiting(outbox)
        case .claim(let rawID):
            let id = ConversationID(rawValue: rawID)
            let (conversation, notice) = try await service.claim(id, agent: agent)
            await outbox.send(.claimed(conversationID: rawID))
            let history = try await service.entries(of: id, after: 0)
            await outbox.send(.history(conversationID: rawID, messages: history.map { MessagePayload(entry: $0, conversationID: rawID) }))
            await follow(
                conversation.id, after: max(notice.sequence, history.last?.sequence ?? 0), outbox: outbox, subscriptions: subscriptions, group: &group
            )
            await outbox.catchUp(id)
        case .history(let rawID, let after):
            let id = ConversationID(rawValue: rawID)
            guard try await service.conversation(id) != nil else { throw .unknownConversation() }
            let entries = try await service.entries(of: id, after: max(0, after))
            await outbox.send(.history(conversationID: rawID, messages: entries.map { MessagePayload(entry: $0, conversationID: rawID) }))
        case .message(let rawID, let clientID, let text):
            guard text.utf8.count <= ChatMessage.maximumTextBytes else { throw .textTooLong() }
            guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, !clientID.isEmpty, clientID.utf8.count <= 128 else {
                throw .invalidMessage("a message needs a text and a client_id of at most 128 bytes")
            }
            await outbox.expectAcknowledgement(of: clientID)
            let stored = try await service.postAgentMessage(to: ConversationID(rawValue: rawID), agent: agent, clientID: clientID, text: text)
            await outbox.acknowledge(stored, clientID: clientID)
        case .typing:
            break
        case .returnToBot(let rawID):
            let notice = try await service.returnToBot(ConversationID(rawValue: rawID), agent: agent)
            await outbox.deliver(notice)
            await unfollow(notice.conversationID, outbox: outbox, subscriptions: subscriptions)
        case .close(let rawID):
            let notice = try await service.close(ConversationID(rawValue: rawID), agent: agent)
            await outbox.deliver(notice)
            await unfollow(notice.conversationID, outbox: outbox, subscriptions: subscriptions)
        }
    }

    private func follow(
        _ conversation: ConversationID, after sequence: Int, outbox: EntryOutbox, subscriptions: Subscriptions, group: inout TaskGroup<Void>
    ) async {
        let live = await service.hub.subscribe(to: conversation)
        guard await subscriptions.add(conversation, live.id) else {
            await service.hub.unsubscribe(live.id, from: conversation)
            return
        }
        await outbox.track(conversation, after: sequence)
        group.addTask {
            for await entry in live.entries { await outbox.deliver(entry) }
        }
    }

    private func unfollow(_ conversation: ConversationID, outbox: EntryOutbox, subscriptions: Subscriptions) async {
        if let id = await subscriptions.remove(conversation) { await service.hub.unsubscribe(id, from: conversation) }
        await outbox.untrack(conversation)
    }

    private func sendWaiting(_ outbox: EntryOutbox) async {
        do throws(ConversationError) {
            await outbox.send(.waiting(try await service.waiting().map(WaitingConversation.init)))
        } catch {
            await outbox.send(.error(code: .internal, message: error.message))
        }
    }
}

extension AgentFrame {
    var clientID: String? {
        if case .message(_, let clientID, _) = self { return clientID }
        return nil
    }
}
