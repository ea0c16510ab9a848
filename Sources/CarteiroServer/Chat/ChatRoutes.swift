import CarteiroConversations
import CarteiroDomain
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOWebSocket
import ServiceLifecycle

/// The chat role's WebSocket routes: `GET /chat` (customers) and `GET /agent` (agents, with a
/// token), and, for `carteiro bench chat` only, `GET /bench/echo`.
///
/// Upgrades are checked before they happen: a disallowed `Origin`, a missing, unknown, revoked
/// or expired agent token (401), a token of another scope (403) or a full process (503) are
/// refused by `UpgradeGuard` with a JSON body, and an admitted connection holds its place in the
/// gate from then until its socket closes. The route checks the token again (a cache hit) as a
/// backstop; hummingbird-websocket answers a refusal there with a bare 400.
///
/// An agent's session is watched by `AgentTokenWatch`: when its token is revoked or expires,
/// the connection is closed with 4401 and the reason ("token revoked", "token expired").
struct ChatRoutes {
    let service: ConversationService?
    let authenticator: AgentAuthenticator
    let tokenWatch: AgentTokenWatch
    let configuration: ChatConfiguration
    let admission: ChatAdmission
    let quotas: ChatQuotas
    let logger: Logger

    private var gate: ConnectionGate { admission.gate }

    func register(on router: Router<ChatRequestContext>) {
        if let service {
            router.ws("chat") { request, _ in
                refusal(for: request, agent: false) == nil ? .upgrade([:]) : .dontUpgrade
            } onUpgrade: { inbound, outbound, context in
                guard let ticket = gate.ticket(for: context.requestContext.channel) else {
                    try? await outbound.close(.unexpectedServerError, reason: "no place was taken for this connection")
                    return
                }
                let ended = await closingOnShutdown(outbound) {
                    await CustomerConnection(
                        service: service, configuration: configuration, gate: gate, ticket: ticket, quotas: quotas, logger: logger)
                        .run(inbound: inbound, outbound: outbound)
                }
                // Thrown back, the error closes the connection with its code (1007, 1009…).
                if let ended { throw ended }
            }
            router.ws("agent") { request, _ in
                guard refusal(for: request, agent: true) == nil, try await agentToken(for: request) != nil else { return .dontUpgrade }
                return .upgrade([:])
            } onUpgrade: { inbound, outbound, context in
                // The upgrade was allowed for this token; look it up again (a cache hit) for its name.
                guard let token = try? await agentToken(for: context.request) else {
                    try? await outbound.close(Self.tokenRefused, reason: "invalid token")
                    return
                }
                guard gate.ticket(for: context.requestContext.channel) != nil else {
                    try? await outbound.close(.unexpectedServerError, reason: "no place was taken for this connection")
                    return
                }
                await authenticator.recordUse(of: token, logger: logger)
                let watched = tokenWatch.watch(token)
                defer { tokenWatch.unwatch(watched) }
                let ended = await closingOnShutdown(outbound) {
                    await AgentConnection(
                        agent: token.name, service: service, configuration: configuration, tokenEnding: watched.ending, logger: logger
                    )
                    .run(inbound: inbound, outbound: outbound)
                }
                if let ended { throw ended }
            }
        }
        if configuration.benchEcho {
            router.ws("bench/echo") { inbound, outbound, _ in
                do {
                    for try await message in inbound.messages(maxSize: configuration.maximumFrameBytes) {
                        if case .text(let text) = message { try await outbound.write(.text(text)) }
                    }
                } catch {}
            }
        }
    }

    /// Why a connection to `/chat` or `/agent` is refused before any token lookup, if it is.
    /// (`UpgradeGuard` refuses these with their status before the upgrade; this is the backstop.
    /// The place in the gate is not checked again: the guard took it.)
    func refusal(for request: Request, agent: Bool) -> ChatAdmission.Refusal? {
        admission.refusal(
            path: agent ? ChatAdmission.agentPath : ChatAdmission.customerPath, origin: request.headers[.origin],
            hasToken: Self.bearerToken(in: request) != nil)
    }

    func agentToken(for request: Request) async throws -> AccessToken? {
        try await authenticator.authenticate(Self.bearerToken(in: request), scope: .agent).token
    }

    /// The close code of an agent connection whose token was revoked or expired (a private-use
    /// code, 4000 + the HTTP status an upgrade would get): the client stops reconnecting.
    static let tokenRefused = WebSocketErrorCode.unknown(4401)

    static func bearerToken(in request: Request) -> String? {
        if let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") {
            let token = header.dropFirst("bearer ".count).trimmingCharacters(in: .whitespaces)
            return token.isEmpty ? nil : token
        }
        if let token = request.uri.queryParameters.get("token"), !token.isEmpty { return token }
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
