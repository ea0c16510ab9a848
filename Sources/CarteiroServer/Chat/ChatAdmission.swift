import CarteiroConversations
import CarteiroDomain
import Foundation
import HTTPTypes
import NIOHTTP1

/// Who may open `/chat` and `/agent`, decided from the request line and headers alone (before
/// any token lookup): the allowed Origins, an agent token's presence, and a place in the gate,
/// counted under the client's address.
struct ChatAdmission: Sendable {
    let configuration: ChatConfiguration
    let gate: ConnectionGate
    let addresses: ClientAddressResolver

    struct Refusal: Sendable, Equatable {
        let status: HTTPResponse.Status
        let code: String
        let message: String
    }

    enum Decision {
        case admitted(ConnectionGate.Ticket)
        case refused(Refusal)
    }

    static let customerPath = "/chat"
    static let agentPath = "/agent"

    static let tooManyConnections = Refusal(
        status: .serviceUnavailable, code: "too_many_connections", message: "too many connections; try again later")
    static let tooManyFromAddress = Refusal(
        status: .serviceUnavailable, code: "too_many_connections", message: "too many connections from your address; try again later")

    /// Why a request for `path` (no query) is refused on what it says (its Origin, whether it
    /// carries an agent token), if it is.
    func refusal(path: String, origin: String?, hasToken: Bool) -> Refusal? {
        guard path == Self.customerPath || path == Self.agentPath else { return nil }
        if !configuration.allows(origin: origin) {
            return Refusal(status: .forbidden, code: "origin_not_allowed", message: "origin \(origin ?? "") is not allowed")
        }
        if path == Self.agentPath, !hasToken {
            return Refusal(
                status: .unauthorized, code: "token_required", message: "an agent token is required (Authorization: Bearer … or ?token=)")
        }
        return nil
    }

    /// Takes a place for an upgrade to `path` (`/chat` or `/agent`) on `channel`, or says why not.
    /// `peer` is the connection's remote address; `headers` may name the client behind a proxy.
    func admit(path: String, headers: HTTPHeaders, target: String, channel: ObjectIdentifier, peer: IPAddress?) -> Decision {
        let hasToken = Self.hasToken(target: target, authorization: headers.first(name: "authorization"))
        if let refusal = refusal(path: path, origin: headers.first(name: "origin"), hasToken: hasToken) { return .refused(refusal) }
        let client = addresses.client(peer: peer, headers: headers)
        switch gate.enter(channel: channel, address: client?.limitKey, customer: path == Self.customerPath) {
        case .admitted(let ticket): return .admitted(ticket)
        case .refused(.full): return .refused(Self.tooManyConnections)
        case .refused(.addressFull): return .refused(Self.tooManyFromAddress)
        }
    }

    static func isChatPath(_ path: String) -> Bool { path == customerPath || path == agentPath }

    /// Whether the target (`/agent?token=…`) or the `Authorization` header carries a token.
    static func hasToken(target: String, authorization: String?) -> Bool {
        token(target: target, authorization: authorization) != nil
    }

    /// The agent token of a request: `Authorization: Bearer …`, else the `token` query parameter.
    static func token(target: String, authorization: String?) -> String? {
        if let authorization, authorization.lowercased().hasPrefix("bearer ") {
            let token = authorization.dropFirst("bearer ".count).trimmingCharacters(in: .whitespaces)
            if !token.isEmpty { return token }
        }
        guard let query = target.split(separator: "?", maxSplits: 1).dropFirst().first else { return nil }
        for parameter in query.split(separator: "&") where parameter.hasPrefix("token=") {
            let value = String(parameter.dropFirst("token=".count))
            let token = value.removingPercentEncoding ?? value
            if !token.isEmpty { return token }
        }
        return nil
    }

    /// The refusal of an agent token that the authenticator did not accept.
    static func refusal(for outcome: AgentAuthenticator.Outcome) -> Refusal? {
        switch outcome {
        case .accepted: nil
        case .unauthorized: invalidToken
        case .forbidden(let token):
            Refusal(
                status: .forbidden, code: "forbidden",
                message: "a token of scope \(token.scope.rawValue) may not open /agent; it needs agent or admin")
        }
    }

    static let invalidToken = Refusal(
        status: .unauthorized, code: "invalid_token", message: "the agent token is unknown, revoked or expired (carteiro token create)")
    static let tokenUnavailable = Refusal(
        status: .serviceUnavailable, code: "unavailable", message: "tokens cannot be checked now; try again later")

    static func path(of target: String) -> String {
        String(target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
    }
}
