import Foundation
import Hummingbird

/// Plain HTTP answers on `/chat` and `/agent`: the refusal of an upgrade the guard turned away
/// (403, 401 or 503 with a JSON body), or 426 for a request that asked for no upgrade.
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
