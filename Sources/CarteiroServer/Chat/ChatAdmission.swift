import HTTPTypes

/// Who may open `/chat` and `/agent`, decided from the request line and headers alone (before
/// any token lookup): the allowed Origins, the connection limit, and an agent token's presence.
struct ChatAdmission: Sendable {
    let configuration: ChatConfiguration
    let gate: ConnectionGate

    struct Refusal: Sendable, Equatable {
        let status: HTTPResponse.Status
        let code: String
        let message: String
    }

    static let customerPath = "/chat"
    static let agentPath = "/agent"

    /// Why a request for `path` (no query) is refused, if it is.
    func refusal(path: String, origin: String?, hasToken: Bool) -> Refusal? {
        guard path == Self.customerPath || path == Self.agentPath else { return nil }
        if !configuration.allows(origin: origin) {
            return Refusal(status: .forbidden, code: "origin_not_allowed", message: "origin \(origin ?? "") is not allowed")
        }
        if gate.count >= gate.maximum {
            return Refusal(status: .serviceUnavailable, code: "too_many_connections", message: "too many connections; try again later")
        }
        if path == Self.agentPath, !hasToken {
            return Refusal(
                status: .unauthorized, code: "token_required", message: "an agent token is required (Authorization: Bearer … or ?token=)")
        }
        return nil
    }

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
