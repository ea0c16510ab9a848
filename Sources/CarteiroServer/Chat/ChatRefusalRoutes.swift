import Foundation
import Hummingbird

/// Plain HTTP answers on `/chat` and `/agent`, for requests that ask for no upgrade: 403 or 401
/// with a JSON body when an upgrade would be refused for what the request says, 426 otherwise.
/// (`UpgradeGuard` answers refused upgrades itself, before they get here.)
struct ChatRefusalRoutes {
    let admission: ChatAdmission

    func register(on router: Router<some RequestContext>) {
        for path in [ChatAdmission.customerPath, ChatAdmission.agentPath] {
            router.get(RouterPath(path)) { request, _ -> Response in
                let refusal =
                    admission.refusal(
                        path: path, origin: request.headers[.origin],
                        hasToken: ChatAdmission.hasToken(target: request.uri.description, authorization: request.headers[.authorization]))
                    ?? .init(status: .upgradeRequired, code: "upgrade_required", message: "this is a WebSocket endpoint")
                let body = try JSONSerialization.data(withJSONObject: ["error": ["code": refusal.code, "message": refusal.message]])
                return Response(
                    status: refusal.status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
            }
        }
    }
}
