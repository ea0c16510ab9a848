import Foundation
import Mustache

/// Checks a decoded bot file and builds the `BotDefinition`, naming the key path of the first
/// problem it finds. Keys are visited in sorted order so the same file always reports the same error.
struct BotDefinitionValidator {
    let file: String
    private var locales: [String] = []

    init(file: String) {
        self.file = file
    }

    private func fail(_ code: BotDefinitionError.Code, _ keyPath: String, _ message: String) -> BotDefinitionError {
        BotDefinitionError(code, file: file, keyPath: keyPath, message)
    }

    mutating func validate(_ raw: BotFile) throws(BotDefinitionError) -> BotDefinition {
        guard !raw.name.trimmingCharacters(in: .whitespaces).isEmpty else { throw fail(.invalidValue, "name", "must not be empty") }
        guard !raw.locales.isEmpty else { throw fail(.invalidValue, "locales", "must list at least one locale") }
        guard Set(raw.locales).count == raw.locales.count else { throw fail(.invalidValue, "locales", "lists a locale twice") }
        locales = raw.locales
        guard locales.contains(raw.defaultLocale) else {
            throw fail(.unknownReference, "default_locale", "'\(raw.defaultLocale)' is not one of locales \(locales)")
        }
        let threshold = raw.nlu?.threshold ?? 0.35
        guard (0...1).contains(threshold) else { throw fail(.invalidValue, "nlu.threshold", "must be within 0...1") }
        let interruptThreshold = raw.nlu?.interruptThreshold ?? max(threshold, 0.6)
        guard (threshold...1).contains(interruptThreshold) else {
            throw fail(.invalidValue, "nlu.interrupt_threshold", "must be within nlu.threshold...1")
        }
        let maxFallbacks = raw.policy?.maxConsecutiveFallbacks ?? 2
        guard maxFallbacks >= 1 else { throw fail(.invalidValue, "policy.max_consecutive_fallbacks", "must be at least 1") }

        var entities: [String: EntityDefinition] = [:]
        for (name, entity) in (raw.entities ?? [:]).sorted(by: { $0.key < $1.key }) {
            entities[name] = try validate(entity: entity, name: name)
        }
        var flows: [String: FlowDefinition] = [:]
        for (name, flow) in (raw.flows ?? [:]).sorted(by: { $0.key < $1.key }) {
            flows[name] = try validate(flow: flow, name: name, entities: entities)
        }
        guard !raw.intents.isEmpty else { throw fail(.emptyExamples, "intents", "a bot needs at least two intents") }
        var intents: [String: IntentDefinition] = [:]
        for (name, intent) in raw.intents.sorted(by: { $0.key < $1.key }) {
            intents[name] = try validate(intent: intent, name: name, flows: flows)
        }
        guard intents.count >= 2 else { throw fail(.emptyExamples, "intents", "a bot needs at least two intents to tell apart") }
        if let handoffIntent = raw.policy?.handoffIntent, intents[handoffIntent] == nil {
            throw fail(.unknownReference, "policy.handoff_intent", "unknown intent '\(handoffIntent)'")
        }
        return BotDefinition(
            file: file,
            name: raw.name,
            defaultLocale: raw.defaultLocale,
            locales: locales,
            threshold: threshold,
            interruptThreshold: interruptThreshold,
            handoffIntent: raw.policy?.handoffIntent,
            maxConsecutiveFallbacks: maxFallbacks,
            entities: entities,
            intents: intents,
            flows: flows,
            fallbackResponses: try templates(raw.fallback.responses, at: "fallback.responses"),
            fallbackHandoff: try templates(raw.fallback.handoff, at: "fallback.handoff")
        )
    }

    private func validate(entity: BotFile.Entity, name: String) throws(BotDefinitionError) -> EntityDefinition {
        let path = "entities.\(name)"
        switch (entity.regex, entity.values) {
        case (let pattern?, nil):
            do {
                return EntityDefinition(name: name, kind: .regex(try NSRegularExpression(pattern: pattern)))
            } catch {
                throw fail(.badRegex, path + ".regex", "'\(pattern)' is not a valid regular expression")
            }
        case (nil, let values?):
            guard !values.isEmpty else { throw fail(.invalidValue, path + ".values", "must list at least one value") }
            var result: [EntityDefinition.Value] = []
            for (canonical, synonyms) in values.sorted(by: { $0.key < $1.key }) {
                result.append(.init(canonical: canonical, synonyms: try texts(synonyms, at: "\(path).values.\(canonical)")))
            }
            return EntityDefinition(name: name, kind: .values(result))
        default:
            throw fail(.invalidValue, path, "needs exactly one of regex and values")
        }
    }

    private func validate(flow: BotFile.Flow, name: String, entities: [String: EntityDefinition]) throws(BotDefinitionError) -> FlowDefinition {
        let path = "flows.\(name)"
        guard let rawSlots = flow.slots, !rawSlots.isEmpty else { throw fail(.invalidValue, path + ".slots", "a flow needs at least one slot") }
        var slots: [FlowDefinition.Slot] = []
        for (index, slot) in rawSlots.enumerated() {
            let slotPath = "\(path).slots[\(index)]"
            guard !slot.name.isEmpty else { throw fail(.invalidValue, slotPath + ".name", "must not be empty") }
            guard !slots.contains(where: { $0.name == slot.name }) else {
                throw fail(.invalidValue, slotPath + ".name", "slot '\(slot.name)' is defined twice")
            }
            if let entity = slot.entity, entities[entity] == nil {
                throw fail(.unknownReference, slotPath + ".entity", "unknown entity '\(entity)'")
            }
            if let minLength = slot.minLength, minLength < 1 { throw fail(.invalidValue, slotPath + ".min_length", "must be at least 1") }
            slots.append(
                FlowDefinition.Slot(
                    name: slot.name,
                    entity: slot.entity,
                    minLength: slot.minLength ?? 1,
                    ask: try templates(slot.ask, at: slotPath + ".ask"),
                    reask: try templates(slot.reask, at: slotPath + ".reask"),
                    quickReplies: try slot.quickReplies.map { texts throws(BotDefinitionError) in
                        try self.texts(texts, at: slotPath + ".quick_replies")
                    } ?? [:]
                ))
        }
        guard let done = flow.done else { throw fail(.invalidValue, path + ".done", "missing") }
        let action = try validate(action: done.action, at: path + ".done.action")
        if action == "contact.signed_up", !slots.contains(where: { $0.name == "email" }) {
            throw fail(.invalidValue, path + ".done.action.event", "contact.signed_up needs a slot named email")
        }
        return FlowDefinition(name: name, slots: slots, doneResponses: try templates(done.responses, at: path + ".done.responses"), action: action)
    }

    private func validate(intent: BotFile.Intent, name: String, flows: [String: FlowDefinition]) throws(BotDefinitionError) -> IntentDefinition {
        let path = "intents.\(name)"
        guard let examples = intent.examples, !examples.isEmpty else { throw fail(.emptyExamples, path + ".examples", "an intent needs examples") }
        let checkedExamples = try texts(examples, at: path + ".examples", emptyCode: .emptyExamples)
        if let flow = intent.flow, flows[flow] == nil { throw fail(.unknownReference, path + ".flow", "unknown flow '\(flow)'") }
        guard intent.responses != nil || intent.flow != nil else {
            throw fail(.invalidValue, path, "needs responses or a flow")
        }
        let action = try validate(action: intent.action, at: path + ".action")
        if action == "contact.signed_up" {
            throw fail(.invalidValue, path + ".action.event", "contact.signed_up needs an email slot: emit it from a flow's done")
        }
        return IntentDefinition(
            name: name,
            examples: checkedExamples,
            responses: try intent.responses.map { texts throws(BotDefinitionError) in try templates(texts, at: path + ".responses") },
            quickReplies: try intent.quickReplies.map { texts throws(BotDefinitionError) in try self.texts(texts, at: path + ".quick_replies") }
                ?? [:],
            handoff: intent.handoff ?? false,
            flow: intent.flow,
            action: action
        )
    }

    private func validate(action: BotFile.Action?, at path: String) throws(BotDefinitionError) -> String? {
        guard let action else { return nil }
        guard !action.event.trimmingCharacters(in: .whitespaces).isEmpty else { throw fail(.invalidValue, path + ".event", "must not be empty") }
        return action.event
    }

    /// A list per locale: every bot locale present with at least one non-blank text, no other locale.
    private func texts(
        _ texts: BotFile.Texts?, at path: String, emptyCode: BotDefinitionError.Code = .missingLocale
    ) throws(BotDefinitionError) -> [String: [String]] {
        guard let texts else { throw fail(.missingLocale, path, "missing (needs texts for \(locales.joined(separator: ", ")))") }
        for locale in texts.keys.sorted() where !locales.contains(locale) {
            throw fail(.unknownReference, "\(path).\(locale)", "'\(locale)' is not one of locales \(locales)")
        }
        for locale in locales {
            guard let list = texts[locale] else { throw fail(.missingLocale, path, "no texts for locale \(locale)") }
            guard !list.isEmpty else { throw fail(emptyCode, "\(path).\(locale)", "must not be empty") }
            if let blank = list.firstIndex(where: { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }) {
                throw fail(emptyCode, "\(path).\(locale)[\(blank)]", "must not be blank")
            }
        }
        return texts
    }

    private func templates(_ raw: BotFile.Texts?, at path: String) throws(BotDefinitionError) -> LocalizedTemplates {
        let checked = try texts(raw, at: path)
        var variants: [String: [MustacheTemplate]] = [:]
        for locale in locales {
            for (index, source) in checked[locale, default: []].enumerated() {
                switch LocalizedTemplates.compile(source) {
                case .success(let template): variants[locale, default: []].append(template)
                case .failure(let error):
                    throw fail(.badTemplate, "\(path).\(locale)[\(index)]", "template does not compile: \(error.reason)")
                }
            }
        }
        return LocalizedTemplates(variants: variants)
    }
}
