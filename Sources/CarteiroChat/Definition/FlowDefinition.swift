/// A slot-filling dialogue: the bot asks for each slot in turn, then answers and emits its action.
public struct FlowDefinition: Sendable {
    public struct Slot: Sendable {
        public let name: String
        /// The answer must contain this entity; its value fills the slot.
        public let entity: String?
        /// Free-text slots: the answer, trimmed, must be at least this many characters long.
        public let minLength: Int
        public let ask: LocalizedTemplates
        public let reask: LocalizedTemplates
        public let quickReplies: [String: [String]]
    }

    public let name: String
    public let slots: [Slot]
    public let doneResponses: LocalizedTemplates
    /// The event emitted when every slot is filled.
    public let action: String?
}
