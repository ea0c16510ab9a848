/// One command curl sent and the server's answer to it, as read from curl's debug callback.
struct IMAPExchange: Sendable {
    enum Status: Sendable, Equatable {
        case ok, no, bad, other
    }

    var tag: String
    /// The command without its tag (`UID SEARCH UID 5:*`); for AUTHENTICATE and LOGIN only the
    /// verb, so that no password is ever kept.
    var command: String
    /// The first word of the command, upper-cased.
    var verb: String
    var untagged: [IMAPResponse] = []
    var status: Status?
    /// The tagged reply without its tag: `NO [TRYCREATE] Mailbox doesn't exist: Nope`.
    var reply: IMAPResponse?

    var replyText: String { reply?.string ?? "" }

    var isLogin: Bool { verb == "AUTHENTICATE" || verb == "LOGIN" }
}
