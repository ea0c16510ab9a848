/// What became of one message at the relay.
public enum SMTPOutcome: Sendable, Hashable {
    /// The relay took responsibility for the message; `reply` is its answer to the final dot
    /// (often carrying a queue id), e.g. `250 2.0.0 Ok: queued as 4F2K1`.
    case accepted(reply: String?)
    case rejected(SMTPFailure)

    public var isAccepted: Bool {
        if case .accepted = self { return true }
        return false
    }

    public var failure: SMTPFailure? {
        if case .rejected(let failure) = self { return failure }
        return nil
    }
}

/// An outcome plus what the relay said about each refused recipient. When a message has several
/// recipients and only some are refused, the message is still `accepted` for the others.
public struct SMTPResult: Sendable, Hashable {
    public var outcome: SMTPOutcome
    /// The recipients the relay refused at RCPT TO, in envelope order.
    public var refusedRecipients: [RefusedRecipient]

    public struct RefusedRecipient: Sendable, Hashable {
        public var recipient: String
        public var failure: SMTPFailure

        public init(recipient: String, failure: SMTPFailure) {
            self.recipient = recipient
            self.failure = failure
        }
    }

    public init(outcome: SMTPOutcome, refusedRecipients: [RefusedRecipient] = []) {
        self.outcome = outcome
        self.refusedRecipients = refusedRecipients
    }
}
