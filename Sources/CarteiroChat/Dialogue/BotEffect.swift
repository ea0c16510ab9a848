/// Something a turn did besides replying, for the chat service to record or publish.
public enum BotEffect: Hashable, Sendable, Codable {
    /// The message expressed an intent (at or above the bot's threshold).
    case intentDetected(name: String, confidence: Double)
    /// The conversation goes to a human agent.
    case handoffRequested(HandoffReason)
    /// An action for the automations: a sign-up, or an event by name.
    case action(BotAction)
    /// Every slot of a flow was filled.
    case flowCompleted(name: String, slots: [String: String])
}

/// Why the bot hands a conversation to an agent.
public enum HandoffReason: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The customer asked for it, or the intent hands off (`handoff: true`, the policy's intent).
    case intent(String)
    /// `max_consecutive_fallbacks` messages in a row were not understood.
    case fallbacks
    /// A flow's slot was answered invalidly too many times in a row.
    case slotNotFilled(flow: String, slot: String)

    /// The reason as `ChatHandoffRequested.reason` carries it: `intent:human_agent`, `fallbacks`,
    /// `slot:technician_visit.address`.
    public var description: String {
        switch self {
        case .intent(let name): "intent:\(name)"
        case .fallbacks: "fallbacks"
        case .slotNotFilled(let flow, let slot): "slot:\(flow).\(slot)"
        }
    }
}

/// An action a bot file declares (`action: {event: …}`).
public enum BotAction: Hashable, Sendable, Codable {
    /// `contact.signed_up`: start the double opt-in sign-up of this address (with the flow's
    /// `name` slot, when it has one).
    case contactSignedUp(email: String, locale: String, name: String? = nil)
    /// Any other event name, with the flow's slots or the message's entities.
    case custom(event: String, values: [String: String])

    public var event: String {
        switch self {
        case .contactSignedUp: Self.contactSignedUpEvent
        case .custom(let event, _): event
        }
    }

    public static let contactSignedUpEvent = "contact.signed_up"
}
