/// The bot's answer to one customer message: what it says, the conversation's new dialogue state,
/// and the effects to record.
public struct BotTurn: Hashable, Sendable {
    public var replies: [BotReply]
    public var state: DialogueState
    public var effects: [BotEffect]
    /// The classifier's best guess, whatever its confidence.
    public var understanding: Understanding

    /// The hand-off this turn requested, if any.
    public var handoff: HandoffReason? {
        effects.lazy.compactMap { if case .handoffRequested(let reason) = $0 { reason } else { nil } }.first
    }

    /// The intent this turn detected, if any.
    public var detectedIntent: String? {
        effects.lazy.compactMap { if case .intentDetected(let name, _) = $0 { name } else { nil } }.first
    }

    /// The actions this turn emitted.
    public var actions: [BotAction] {
        effects.compactMap { if case .action(let action) = $0 { action } else { nil } }
    }
}
