public import CarteiroDomain

extension BotTurn {
    /// The domain events of this turn's detected intent and hand-off, for the chat service to
    /// publish. Actions are left to the caller: a sign-up needs a contact id the bot does not own.
    public func chatEvents(conversationID: ConversationID, contactID: ContactID?) -> [EventPayload] {
        effects.compactMap { effect in
            switch effect {
            case .intentDetected(let name, let confidence):
                .chatIntentDetected(.init(conversationID: conversationID, contactID: contactID, intent: name, confidence: confidence))
            case .handoffRequested(let reason):
                .chatHandoffRequested(.init(conversationID: conversationID, reason: reason.description))
            case .action, .flowCompleted:
                nil
            }
        }
    }
}
