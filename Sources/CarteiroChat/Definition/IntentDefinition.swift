/// What the bot does when a message expresses an intent: answer, hand off, start a flow, act.
public struct IntentDefinition: Sendable {
    public let name: String
    /// Training utterances per locale.
    public let examples: [String: [String]]
    public let responses: LocalizedTemplates?
    public let quickReplies: [String: [String]]
    /// Answer, then hand the conversation to an agent.
    public let handoff: Bool
    /// The flow this intent starts, by name.
    public let flow: String?
    /// The event this intent emits, with the entities of the message.
    public let action: String?
}
