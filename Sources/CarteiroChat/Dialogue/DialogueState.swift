/// Where a conversation stands for the bot; stored with the conversation between messages.
public struct DialogueState: Hashable, Sendable, Codable {
    /// The flow being filled, if any.
    public struct ActiveFlow: Hashable, Sendable, Codable {
        public var name: String
        /// Filled slots by name.
        public var slots: [String: SlotValue]
        /// Invalid answers in a row to the slot being asked.
        public var reasks: Int

        public init(name: String, slots: [String: SlotValue] = [:], reasks: Int = 0) {
            self.name = name
            self.slots = slots
            self.reasks = reasks
        }
    }

    /// A slot's value (canonical for a value-list entity) and the customer's words for it.
    public struct SlotValue: Hashable, Sendable, Codable {
        public var value: String
        public var text: String

        public init(value: String, text: String) {
            self.value = value
            self.text = text
        }
    }

    /// The customer's locale; `nil` until known (then it is detected from the next message).
    public var locale: String?
    public var activeFlow: ActiveFlow?
    public var consecutiveFallbacks: Int
    /// Customer messages answered so far; picks response variants, so replays are identical.
    public var turn: Int

    public init(locale: String? = nil, activeFlow: ActiveFlow? = nil, consecutiveFallbacks: Int = 0, turn: Int = 0) {
        self.locale = locale
        self.activeFlow = activeFlow
        self.consecutiveFallbacks = consecutiveFallbacks
        self.turn = turn
    }
}
