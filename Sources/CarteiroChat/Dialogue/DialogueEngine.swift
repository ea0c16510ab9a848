import Foundation

/// The bot's dialogue policy as a pure function: a message (already understood), the
/// conversation's dialogue state, and the bot file give the replies, the new state and the effects.
///
/// Intents answer (a variant picked from `seed` and the turn number, so replays are identical),
/// hand off, or start a flow. In a flow each slot is asked, checked (its entity present, or free
/// text of `min_length`), re-asked once, then handed off; a different intent at or above
/// `nlu.interrupt_threshold` interrupts the flow unless the slot's entity is in the message.
/// Messages below `nlu.threshold` fall back; `max_consecutive_fallbacks` of them in a row hand off.
public struct DialogueEngine: Sendable {
    public let definition: BotDefinition
    public let seed: Int

    /// Invalid answers in a row to one slot after which the conversation goes to an agent.
    public static let maximumInvalidAnswers = 2

    public init(definition: BotDefinition, seed: Int = 0) {
        self.definition = definition
        self.seed = seed
    }

    public func respond(to text: String, understanding: Understanding, state: DialogueState, customerName: String? = nil) -> BotTurn {
        var state = state
        state.turn += 1
        let locale = state.locale.flatMap { definition.locales.contains($0) ? $0 : nil } ?? definition.defaultLocale
        var turn = Turn(definition: definition, locale: locale, pick: seed &+ state.turn, customerName: customerName)

        if let active = state.activeFlow, let flow = definition.flows[active.name] {
            if continueFlow(flow, active: active, text: text, understanding: understanding, state: &state, turn: &turn) {
                return BotTurn(replies: turn.replies, state: state, effects: turn.effects, understanding: understanding)
            }
        }
        state.activeFlow = nil
        handleIntent(understanding, state: &state, turn: &turn)
        return BotTurn(replies: turn.replies, state: state, effects: turn.effects, understanding: understanding)
    }

    /// Handles the message as an answer to the flow's current slot; `false` when a different
    /// intent interrupts the flow and the message must be handled as a new topic.
    private func continueFlow(
        _ flow: FlowDefinition, active: DialogueState.ActiveFlow, text: String, understanding: Understanding,
        state: inout DialogueState, turn: inout Turn
    ) -> Bool {
        var active = active
        guard let slot = flow.slots.first(where: { active.slots[$0.name] == nil }) else {
            complete(flow, slots: active.slots, state: &state, turn: &turn)
            return true
        }
        let entity = slot.entity.flatMap { understanding.entity($0) }
        if entity == nil, understanding.confidence >= definition.interruptThreshold {
            // The customer restating what started this flow is not an answer: ask again, without counting it.
            if definition.intents[understanding.intent]?.flow == flow.name {
                turn.say(slot.ask, quickReplies: slot.quickReplies)
                return true
            }
            return false
        }
        let answer: DialogueState.SlotValue?
        if slot.entity != nil {
            answer = entity.map { DialogueState.SlotValue(value: $0.value, text: $0.text) }
        } else {
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            answer = trimmed.count >= slot.minLength ? DialogueState.SlotValue(value: trimmed, text: trimmed) : nil
        }
        guard let answer else {
            active.reasks += 1
            if active.reasks >= Self.maximumInvalidAnswers {
                state.activeFlow = nil
                turn.say(definition.fallbackHandoff)
                turn.effects.append(.handoffRequested(.slotNotFilled(flow: flow.name, slot: slot.name)))
            } else {
                state.activeFlow = active
                turn.say(slot.reask, quickReplies: slot.quickReplies)
            }
            return true
        }
        active.slots[slot.name] = answer
        active.reasks = 0
        state.consecutiveFallbacks = 0
        if slot.entity != nil { prefill(&active, flow: flow, from: understanding) }
        ask(flow, active: active, state: &state, turn: &turn)
        return true
    }

    private func handleIntent(_ understanding: Understanding, state: inout DialogueState, turn: inout Turn) {
        guard understanding.confidence >= definition.threshold, let intent = definition.intents[understanding.intent] else {
            state.consecutiveFallbacks += 1
            if state.consecutiveFallbacks >= definition.maxConsecutiveFallbacks {
                state.consecutiveFallbacks = 0
                turn.say(definition.fallbackHandoff)
                turn.effects.append(.handoffRequested(.fallbacks))
            } else {
                turn.say(definition.fallbackResponses)
            }
            return
        }
        state.consecutiveFallbacks = 0
        turn.effects.append(.intentDetected(name: intent.name, confidence: understanding.confidence))
        var values: [String: String] = [:]
        for match in understanding.entities where values[match.entity] == nil {
            values[match.entity] = match.value
            values[match.entity + "_label"] = definition.entities[match.entity]?.label(of: match.value, locale: turn.locale) ?? match.text
        }
        if let responses = intent.responses {
            turn.say(responses, quickReplies: intent.quickReplies, values: values)
        }
        if let event = intent.action {
            turn.effects.append(.action(.custom(event: event, values: values.filter { !$0.key.hasSuffix("_label") })))
        }
        if intent.handoff || intent.name == definition.handoffIntent {
            if intent.responses == nil { turn.say(definition.fallbackHandoff) }
            turn.effects.append(.handoffRequested(.intent(intent.name)))
            return
        }
        if let flowName = intent.flow, let flow = definition.flows[flowName] {
            var active = DialogueState.ActiveFlow(name: flow.name)
            prefill(&active, flow: flow, from: understanding)
            ask(flow, active: active, state: &state, turn: &turn)
        }
    }

    /// Fills the flow's entity slots that are still empty from entities in the message.
    private func prefill(_ active: inout DialogueState.ActiveFlow, flow: FlowDefinition, from understanding: Understanding) {
        for slot in flow.slots where active.slots[slot.name] == nil {
            if let entity = slot.entity, let match = understanding.entity(entity) {
                active.slots[slot.name] = DialogueState.SlotValue(value: match.value, text: match.text)
            }
        }
    }

    /// Asks the first empty slot, or completes the flow when there is none.
    private func ask(_ flow: FlowDefinition, active: DialogueState.ActiveFlow, state: inout DialogueState, turn: inout Turn) {
        guard let next = flow.slots.first(where: { active.slots[$0.name] == nil }) else {
            complete(flow, slots: active.slots, state: &state, turn: &turn)
            return
        }
        state.activeFlow = active
        turn.say(next.ask, quickReplies: next.quickReplies)
    }

    private func complete(_ flow: FlowDefinition, slots: [String: DialogueState.SlotValue], state: inout DialogueState, turn: inout Turn) {
        state.activeFlow = nil
        var values: [String: String] = [:]
        for slot in flow.slots {
            guard let filled = slots[slot.name] else { continue }
            values[slot.name] = filled.value
            values[slot.name + "_label"] =
                slot.entity.flatMap { definition.entities[$0]?.label(of: filled.value, locale: turn.locale) } ?? filled.text
        }
        turn.say(flow.doneResponses, values: values)
        let slotValues = slots.mapValues(\.value)
        turn.effects.append(.flowCompleted(name: flow.name, slots: slotValues))
        if let event = flow.action {
            if event == BotAction.contactSignedUpEvent, let email = slotValues["email"] {
                turn.effects.append(.action(.contactSignedUp(email: email, locale: turn.locale, name: slotValues["name"])))
            } else {
                turn.effects.append(.action(.custom(event: event, values: slotValues)))
            }
        }
    }
}

/// The replies and effects of one turn as they are built.
private struct Turn {
    let definition: BotDefinition
    let locale: String
    let pick: Int
    let customerName: String?
    var replies: [BotReply] = []
    var effects: [BotEffect] = []

    mutating func say(_ templates: LocalizedTemplates, quickReplies: [String: [String]] = [:], values: [String: String] = [:]) {
        var values = values
        if let customerName, values["name"] == nil { values["name"] = customerName }
        replies.append(BotReply(text: templates.render(locale: locale, pick: pick, values: values), quickReplies: quickReplies[locale] ?? []))
    }
}
