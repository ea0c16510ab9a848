/// What the watcher knows about where a message arrived.
public struct ClassificationContext: Sendable, Hashable {
    /// The message was delivered to the sign-up address: a new message there (not a reply) is a sign-up.
    public var isSignupAddress: Bool

    public init(isSignupAddress: Bool = false) {
        self.isSignupAddress = isSignupAddress
    }
}
