import CarteiroConversations
import CarteiroDomain
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket
import ServiceLifecycle

/// The chat role's WebSocket endpoints: `GET /chat` (customers) and `GET /agent` (agents, with a
/// token), and, for `carteiro bench chat` only, `GET /bench/echo`.
///
/// Upgrades are checked before they happen: a disallowed `Origin`, a missing, unknown, revoked
/// or expired agent token (401), a token of another scope (403) or a full process (503) are
/// refused by `UpgradeGuard` with a JSON body, and an admitted connection holds its place in the
/// gate from then until its socket closes. The token is checked again here (a cache hit) as a
/// backstop; hummingbird-websocket answers a refusal here with a bare 400.
///
/// An agent's session is watched by `AgentTokenWatch`: when its token is revoked or expires,
/// the connection is closed with 4401 and the reason ("token revoked", "token expired").
///
/// The upgrade is decided from the request head (`shouldUpgrade`), not through a router of
/// WebSocket routes: hummingbird-websocket 2.8's router stores each upgraded connection's
/// handler in its request context, and the context in the handler's box, a cycle that kept
/// about 0.75 KB of every connection (its logger, request id and route state) alive for good.
/// The handler returned here keeps only what its connection needs.
struct ChatRoutes: Sendable {
    typealias Handler = WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>

    let service: ConversationService?
    let authenticator: AgentAuthenticator
    let tokenWatch: AgentTokenWatch
    let configuration: ChatConfiguration
    let admission: ChatAdmission
    let quotas: ChatQuotas
    let logger: Logger

    static let benchEchoPath = "/bench/echo"

    /// The close code of an agent connection whose token was revoked or expired (a private-use
    /// code, 4000 + the HTTP status an upgrade would get): the client stops reconnecting.
    static let tokenRefused = WebSocketErrorCode.unknown(4401)

    private var gate: ConnectionGate { admission.gate }

    /// Whether the upgrade request `head` on `channel` is upgraded, and the handler that runs its
    /// connection if it is.
    func shouldUpgrade(_ head: HTTPRequest, channel: any Channel) async -> ShouldUpgradeResult<Handler> {
        guard head.method == .get else { return .dontUpgrade }
        let target = head.path ?? ""
        let path = ChatAdmission.path(of: target)
        let token = Self.bearerToken(target: target, authorization: head.headerFields[.authorization])
        switch path {
        case ChatAdmission.customerPath:
            guard let service, refusal(path: path, head: head, hasToken: token != nil) == nil else { return .dontUpgrade }
            let (id, timer) = (ObjectIdentifier(channel), EventLoopTimer(eventLoop: channel.eventLoop))
            return .upgrade([:]) { inbound, outbound, _ in try await runCustomer(on: id, timer: timer, service: service, inbound, outbound) }
        case ChatAdmission.agentPath:
            guard let service, refusal(path: path, head: head, hasToken: token != nil) == nil, let token,
                // A store that cannot be read refuses the upgrade as an unknown token does.
                let agent = (try? await authenticator.authenticate(token, scope: .agent))?.token
            else { return .dontUpgrade }
            let (id, timer) = (ObjectIdentifier(channel), EventLoopTimer(eventLoop: channel.eventLoop))
            return .upgrade([:]) { inbound, outbound, _ in
                try await runAgent(agent, on: id, timer: timer, service: service, inbound, outbound)
            }
        case Self.benchEchoPath where configuration.benchEcho:
            let maximumFrameBytes = configuration.maximumFrameBytes
            return .upgrade([:]) { inbound, outbound, _ in
                do {
                    for try await message in inbound.messages(maxSize: maximumFrameBytes) {
                        if case .text(let text) = message { try await outbound.write(.text(text)) }
                    }
                } catch {}
            }
        default:
            return .dontUpgrade
        }
    }

    private func runCustomer(
        on channel: ObjectIdentifier, timer: EventLoopTimer, service: ConversationService, _ inbound: WebSocketInboundStream,
        _ outbound: WebSocketOutboundWriter
    ) async throws {
        guard let ticket = gate.ticket(for: channel) else {
            try? await outbound.close(.unexpectedServerError, reason: "no place was taken for this connection")
            return
        }
        let ended = await closingOnShutdown(outbound) {
            await CustomerConnection(
                service: service, configuration: configuration, timer: timer, gate: gate, ticket: ticket, quotas: quotas, logger: logger
            )
            .run(inbound: inbound, outbound: outbound)
        }
        // Thrown back, the error closes the connection with its code (1007, 1009…).
        if let ended { throw ended }
    }

    private func runAgent(
        _ token: AccessToken, on channel: ObjectIdentifier, timer: EventLoopTimer, service: ConversationService,
        _ inbound: WebSocketInboundStream, _ outbound: WebSocketOutboundWriter
    ) async throws {
        guard gate.ticket(for: channel) != nil else {
            try? await outbound.close(.unexpectedServerError, reason: "no place was taken for this connection")
            return
        }
        await authenticator.recordUse(of: token, logger: logger)
        let watched = tokenWatch.watch(token)
        defer { tokenWatch.unwatch(watched) }
        let ended = await closingOnShutdown(outbound) {
            await AgentConnection(
                agent: token.name, service: service, configuration: configuration, tokenEnding: watched.ending, timer: timer, logger: logger
            )
            .run(inbound: inbound, outbound: outbound)
        }
        if let ended { throw ended }
    }

    /// Why a connection to `/chat` or `/agent` is refused before any token lookup, if it is.
    /// (`UpgradeGuard` refuses these with their status before the upgrade; this is the backstop.
    /// The place in the gate is not checked again: the guard took it.)
    func refusal(path: String, head: HTTPRequest, hasToken: Bool) -> ChatAdmission.Refusal? {
        admission.refusal(path: path, origin: head.headerFields[.origin], hasToken: hasToken)
    }

    /// The agent token of a request: `Authorization: Bearer …`, else `?token=`.
    static func bearerToken(target: String, authorization: String?) -> String? {
        if let authorization, authorization.lowercased().hasPrefix("bearer ") {
            let token = authorization.dropFirst("bearer ".count).trimmingCharacters(in: .whitespaces)
            return token.isEmpty ? nil : token
        }
        if let token = URI(target).queryParameters.get("token"), !token.isEmpty { return token }
        return nil
    }

    /// Runs a connection until it ends or the server shuts down, then closes it with 1001.
    private func closingOnShutdown<T: Sendable>(_ outbound: WebSocketOutboundWriter, _ body: @escaping @Sendable () async -> T) async -> T {
        await withGracefulShutdownHandler {
            await body()
        } onGracefulShutdown: {
            Task { try? await outbound.close(.goingAway, reason: "server shutting down") }
        }
    }
}
