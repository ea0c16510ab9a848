import CarteiroConversations
import CarteiroDomain
import Foundation
import Hummingbird

/// Plain HTTP answers on `/chat` and `/agent`, for requests that ask for no upgrade: 403 or 401
/// with a JSON body when an upgrade would be refused for what the request says (on `/agent`, its
/// token included: 401 for a missing, unknown, revoked or expired one, 403 for another scope),
/// 426 otherwise. A client whose upgrade failed asks here why, since a WebSocket client sees no
/// status. (`UpgradeGuard` answers refused upgrades itself, before they get here.)
struct ChatRefusalRoutes {
    let admission: ChatAdmission
    let authenticator: AgentAuthenticator

    func register(on router: Router<some RequestContext>) {
        for path in [ChatAdmission.customerPath, ChatAdmission.agentPath] {
            router.get(RouterPath(path)) { request, _ -> Response in
                let token = ChatAdmission.token(target: request.uri.description, authorization: request.headers[.authorization])
                var refusal = admission.refusal(path: path, origin: request.headers[.origin], hasToken: token != nil)
                if refusal == nil, path == ChatAdmission.agentPath {
                    do {
                        let outcome = try await authenticator.authenticate(token, scope: .agent)
                        refusal = ChatAdmission.refusal(for: outcome)
                    } catch {
                        refusal = ChatAdmission.tokenUnavailable
                    }
                }
                let answer = refusal ?? .init(status: .upgradeRequired, code: "upgrade_required", message: "this is a WebSocket endpoint")
                let body = try JSONSerialization.data(withJSONObject: ["error": ["code": answer.code, "message": answer.message]])
                var headers: HTTPFields = [.contentType: "application/json"]
                if answer.status == .unauthorized { headers[.wwwAuthenticate] = #"Bearer realm="carteiro""# }
                return Response(status: answer.status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
            }
        }
    }
}
