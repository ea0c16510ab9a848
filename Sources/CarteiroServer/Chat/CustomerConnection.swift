import CarteiroChatProtocol
import CarteiroConversations
import CarteiroDomain
import Foundation
import Logging
import NIOWebSocket
import WSCore

/// One customer WebSocket: `hello` starts or resumes a conversation, `message`s are stored,
/// acknowledged and answered by the bot; entries of the conversation reach the client through
/// the outbox, from this process or from others. Until its `hello` succeeds the connection
/// waits in the gate: it is closed after the hello timeout (1008), or earlier when the gate
/// evicts it to make room (1013). New conversations and stored messages count against the
/// quotas of the client's address and of the conversation.
struct CustomerConnection {
    let service: ConversationService
    let configuration: ChatConfiguration
    /// The connection's event loop, for its timeouts.
    let timer: EventLoopTimer
    let gate: ConnectionGate
    let ticket: ConnectionGate.Ticket
    let quotas: ChatQuotas
    let logger: Logger

    /// Runs the connection until either side ends it. Returns the error that ended the inbound
    /// side (invalid UTF-8, a message too large, a protocol error) for the WebSocket handler to
    /// close with its code (1007, 1009, 1002); nil when it ended otherwise.
    func run(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async -> (any Error)? {
        let outbox = EntryOutbox(outbound: outbound, service: service, forAgent: false, logger: logger)
        let limits = ConnectionLimits(configuration: configuration, timer: timer)
        async let written: Void = outbox.writeFrames()
        ticket.onEviction {
            Task { await outbox.close(.unknown(1013), reason: "too many connections waiting for hello; try again") }
        }
        let ended = await withTaskGroup(of: Void.self, returning: (any Error)?.self) { group in
            group.addTask {
                await limits.waitUntilIdle()
                if !Task.isCancelled { await outbox.close(.goingAway, reason: "idle timeout") }
            }
            group.addTask { [gate, ticket, configuration, timer] in
                try? await timer.sleep(for: configuration.helloTimeout)
                if !Task.isCancelled, gate.isWaiting(ticket) { await outbox.close(.policyViolation, reason: "no hello in time") }
            }
            var conversation: ConversationID?
            // The conversation as this connection last stored it: saves a read per message.
            var snapshot: Conversation?
            var subscription: (ConversationID, Int)?
            var ended: (any Error)?
            do {
                for try await message in inbound.messages(maxSize: configuration.maximumFrameBytes) {
                    guard let text = try await limits.admittedText(of: message, outbox: outbox) else { continue }
                    let frame: CustomerFrame
                    do throws(FrameDecodingError) {
                        frame = try CustomerFrame(jsonText: text)
                    } catch {
                        await outbox.send(.error(code: error.code, message: error.message))
                        continue
                    }
                    switch frame {
                    case .hello(let resume, let lastSequence, let locale, let name):
                        guard conversation == nil else {
                            await outbox.send(.error(code: .unknownType, message: "hello was already sent on this connection"))
                            continue
                        }
                        if resume == nil, quotas.startConversation(from: ticket.address) != .allowed {
                            await outbox.send(
                                .error(code: .rateLimited, message: "too many new conversations from your address; try again in a minute"))
                            continue
                        }
                        do throws(ConversationError) {
                            let session = try await service.start(
                                .init(resumeToken: resume, lastSequence: lastSequence ?? 0, locale: locale, name: name))
                            let id = session.conversation.id
                            gate.greet(ticket)
                            // Subscribed before the backlog is sent: nothing stored meanwhile is missed.
                            let live = await service.hub.subscribe(to: id)
                            subscription = (id, live.id)
                            conversation = id
                            snapshot = session.conversation
                            // A client claiming more than is stored gets everything after what is stored.
                            await outbox.track(id, after: resume == nil ? 0 : min(session.lastSequence, max(0, lastSequence ?? 0)))
                            await outbox.send(.welcome(conversationID: id.rawValue, resume: session.resumeToken, sequence: session.lastSequence))
                            for entry in session.backlog { await outbox.deliver(entry) }
                            await outbox.catchUp(id)
                            group.addTask {
                                for await entry in live.entries { await outbox.deliver(entry) }
                            }
                        } catch {
                            await outbox.send(.error(code: ChatErrorCode(error), message: error.message))
                        }
                    case .message(let clientID, let text):
                        guard let conversation else {
                            await outbox.send(.error(code: .notHello, message: "send hello first", clientID: clientID))
                            continue
                        }
                        snapshot = await post(
                            text, clientID: clientID, to: conversation, knownAs: snapshot, deliveredTo: subscription?.1, outbox: outbox)
                    case .typing, .ack:
                        // Accepted; typing is not forwarded yet, and the resend window is the whole stored conversation.
                        break
                    }
                }
            } catch {
                logger.debug("customer connection ends", metadata: ["reason": "\(error)"])
                // Cancellation comes from this side (abuse, shutdown), which closed already.
                if !(error is CancellationError) { ended = error }
            }
            if let (id, subscriptionID) = subscription { await service.hub.unsubscribe(subscriptionID, from: id) }
            group.cancelAll()
            return ended
        }
        // What was sent before the connection ended still goes out (an error, then a close).
        await outbox.finish()
        await written
        return ended
    }

    /// Stores, acknowledges and answers one message; returns the conversation as it left it.
    private func post(
        _ text: String, clientID: String, to conversation: ConversationID, knownAs snapshot: Conversation?, deliveredTo subscription: Int?,
        outbox: EntryOutbox
    ) async -> Conversation? {
        guard text.utf8.count <= ChatMessage.maximumTextBytes else {
            await outbox.send(.error(code: .textTooLong, message: "text is longer than \(ChatMessage.maximumTextBytes) bytes", clientID: clientID))
            return snapshot
        }
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, !clientID.isEmpty, clientID.utf8.count <= 128 else {
            await outbox.send(.error(code: .missingField, message: "a message needs a text and a client_id of at most 128 bytes", clientID: clientID))
            return snapshot
        }
        switch quotas.storeMessage(ofBytes: text.utf8.count, in: conversation, from: ticket.address) {
        case .allowed:
            break
        case .conversationOverQuota:
            await outbox.send(
                .error(code: .rateLimited, message: "this conversation is going faster than anyone types; wait a moment", clientID: clientID))
            return snapshot
        case .addressOverQuota:
            await outbox.send(.error(code: .rateLimited, message: "too many messages from your address; wait a moment", clientID: clientID))
            return snapshot
        }
        await outbox.expectAcknowledgement(of: clientID)
        do throws(ConversationError) {
            let exchange = try await service.post(text, clientID: clientID, to: conversation, knownAs: snapshot, deliveredTo: subscription)
            await outbox.acknowledge(exchange.message, clientID: clientID, followedBy: exchange.replies)
            return exchange.conversation
        } catch {
            await outbox.send(.error(code: ChatErrorCode(error), message: error.message, clientID: clientID))
            return nil
        }
    }
}

extension ChatErrorCode {
    init(_ error: ConversationError) {
        self = ChatErrorCode(rawValue: error.code) ?? .internal
    }
}
