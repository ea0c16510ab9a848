/// A bot file as YAML spells it, before any check (see bots/README.md). `BotDefinitionValidator`
/// turns it into a `BotDefinition`.
struct BotFile: Decodable {
    /// Texts per locale: `{pt-BR: [...], en: [...]}`.
    typealias Texts = [String: [String]]

    struct NLU: Decodable {
        var threshold: Double?
        var interruptThreshold: Double?
        enum CodingKeys: String, CodingKey {
            case threshold
            case interruptThreshold = "interrupt_threshold"
        }
    }

    struct Policy: Decodable {
        var handoffIntent: String?
        var maxConsecutiveFallbacks: Int?
        enum CodingKeys: String, CodingKey {
            case handoffIntent = "handoff_intent"
            case maxConsecutiveFallbacks = "max_consecutive_fallbacks"
        }
    }

    struct Entity: Decodable {
        var regex: String?
        /// Canonical value → synonyms per locale.
        var values: [String: Texts]?
    }

    struct Action: Decodable {
        var event: String
    }

    struct Intent: Decodable {
        var examples: Texts?
        var responses: Texts?
        var quickReplies: Texts?
        var handoff: Bool?
        var flow: String?
        var action: Action?
        enum CodingKeys: String, CodingKey {
            case examples, responses, handoff, flow, action
            case quickReplies = "quick_replies"
        }
    }

    struct Slot: Decodable {
        var name: String
        var entity: String?
        var minLength: Int?
        var ask: Texts?
        var reask: Texts?
        var quickReplies: Texts?
        enum CodingKeys: String, CodingKey {
            case name, entity, ask, reask
            case minLength = "min_length"
            case quickReplies = "quick_replies"
        }
    }

    struct Done: Decodable {
        var responses: Texts?
        var action: Action?
    }

    struct Flow: Decodable {
        var slots: [Slot]?
        var done: Done?
    }

    struct Fallback: Decodable {
        var responses: Texts?
        var handoff: Texts?
    }

    var name: String
    var defaultLocale: String
    var locales: [String]
    var nlu: NLU?
    var policy: Policy?
    var entities: [String: Entity]?
    var intents: [String: Intent]
    var flows: [String: Flow]?
    var fallback: Fallback

    enum CodingKeys: String, CodingKey {
        case name, locales, nlu, policy, entities, intents, flows, fallback
        case defaultLocale = "default_locale"
    }
}
