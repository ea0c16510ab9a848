public import CarteiroNLU

/// A bot ready to talk: its definition, the intent classifier trained on every example of every
/// locale, the entity extractor, the locale detector and the dialogue engine.
public struct Bot: Sendable {
    public let definition: BotDefinition
    public let classifier: IntentClassifier
    public let extractor: EntityExtractor
    public let localeDetector: LocaleDetector
    public let engine: DialogueEngine

    /// Trains the classifier; the same definition always gives the same bot.
    public init(definition: BotDefinition, seed: Int = 0) throws(BotDefinitionError) {
        self.definition = definition
        do {
            classifier = try IntentClassifier.train(
                examples: definition.trainingExamples,
                configuration: IntentClassifier.Configuration(confidenceThreshold: definition.threshold)
            )
        } catch {
            throw BotDefinitionError(.untrainable, file: definition.file, keyPath: "intents", "cannot train the classifier: \(error)")
        }
        extractor = EntityExtractor(entities: definition.entities)
        localeDetector = LocaleDetector(definition: definition)
        engine = DialogueEngine(definition: definition, seed: seed)
    }

    /// Loads, checks and trains the bot in `file`.
    public static func load(file: String, seed: Int = 0) throws(BotDefinitionError) -> Bot {
        try Bot(definition: BotDefinition.load(file: file), seed: seed)
    }

    /// The intent (`nil` below `nlu.threshold`) and its confidence.
    public func classify(_ text: String) -> (intent: String?, confidence: Double) {
        let best = classifier.prediction(for: text)
        return (best.confidence >= definition.threshold ? best.intent : nil, best.confidence)
    }

    /// The best intent whatever its confidence, and the entities in `locale`'s terms.
    public func understand(_ text: String, locale: String) -> Understanding {
        let best = classifier.prediction(for: text)
        return Understanding(intent: best.intent, confidence: best.confidence, entities: extractor.extract(from: text, locale: locale))
    }

    /// Answers one customer message. An unknown locale is detected from the message first.
    public func respond(to text: String, state: DialogueState = DialogueState(), customerName: String? = nil) -> BotTurn {
        var state = state
        if state.locale == nil { state.locale = localeDetector.detect(text) }
        let understanding = understand(text, locale: state.locale ?? definition.defaultLocale)
        return engine.respond(to: text, understanding: understanding, state: state, customerName: customerName)
    }
}
