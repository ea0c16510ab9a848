import CarteiroDomain

/// The token a request was authenticated with, for the operation handlers: the Hummingbird
/// middleware that authenticated the request sets it around the OpenAPI handler's call.
enum APICaller {
    @TaskLocal static var token: AccessToken?
}
