import HTTPTypes

/// Who may open `/chat` and `/agent`, decided from the request line and headers alone (before
/// any token lookup): the allowed Origins, an agent token's presence, and a place in the gate.
struct ChatAdmission: Sendable {
    let configuration: ChatConfiguration
    let gate: ConnectionGate

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
    func admit(path: String, origin: String?, hasToken: Bool, channel: ObjectIdentifier) -> Decision {
        if let refusal = refusal(path: path, origin: origin, hasToken: hasToken) { return .refused(refusal) }
        guard let ticket = gate.enter(channel: channel) else { return .refused(Self.tooManyConnections) }
        return .admitted(ticket)
    }

    static func isChatPath(_ path: String) -> Bool { path == customerPath || path == agentPath }

    /// Whether the target (`/agent?token=…`) or the `Authorization` header carries a token.
    static func hasToken(target: String, authorization: String?) -> Bool {
        if let authorization, authorization.lowercased().hasPrefix("bearer "), authorization.count > "bearer ".count { return true }
        guard let query = target.split(separator: "?", maxSplits: 1).dropFirst().first else { return false }
        return query.split(separator: "&").contains { $0.hasPrefix("token=") && $0.count > "token=".count }
    }

    static func path(of target: String) -> String {
        String(target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
    }
}
