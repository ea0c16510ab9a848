/// A bot file, checked: every reference resolves, every text exists in every locale, every
/// regular expression and template compiles. Load one with `BotDefinition.load(file:)`.
public struct BotDefinition: Sendable {
    /// The file it was loaded from, as given; names it in errors.
    public let file: String
    public let name: String
    /// Used until the customer's locale is known.
    public let defaultLocale: String
    public let locales: [String]
    /// Below this confidence a message has no intent (fallback).
    public let threshold: Double
    /// In a flow, a different intent at least this confident interrupts it (unless the slot's entity is present).
    public let interruptThreshold: Double
    /// The intent that hands the conversation to an agent.
    public let handoffIntent: String?
    /// Fallbacks in a row after which the conversation goes to an agent.
    public let maxConsecutiveFallbacks: Int
    public let entities: [String: EntityDefinition]
    public let intents: [String: IntentDefinition]
    public let flows: [String: FlowDefinition]
    public let fallbackResponses: LocalizedTemplates
    /// Said when the fallback policy (or a slot asked too often) hands off.
    public let fallbackHandoff: LocalizedTemplates

    /// Every example of every locale, labelled with its intent, in a stable order.
    public var trainingExamples: [(text: String, intent: String)] {
        intents.keys.sorted().flatMap { name in
            locales.flatMap { locale in (intents[name]?.examples[locale] ?? []).map { (text: $0, intent: name) } }
        }
    }
}
