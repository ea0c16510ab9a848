import CarteiroDomain
import Hummingbird
import HummingbirdAuth

/// The context of the API's routes: the server's basic context, plus the token the request was
/// authenticated with (hummingbird-auth's `AuthRequestContext`).
struct APIRequestContext: ChildRequestContext, AuthRequestContext {
    var coreContext: CoreRequestContextStorage
    var identity: AccessToken?

    init(context: BasicRequestContext) {
        coreContext = context.coreContext
        identity = nil
    }
}
