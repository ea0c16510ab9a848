/// What the bot made of a message: the most likely intent with its confidence, and the entities.
public struct Understanding: Hashable, Sendable, Codable {
    /// The classifier's best intent, whatever its confidence.
    public var intent: String
    public var confidence: Double
    public var entities: [EntityMatch]

    public init(intent: String, confidence: Double, entities: [EntityMatch]) {
        self.intent = intent
        self.confidence = confidence
        self.entities = entities
    }

    /// The first value of `entity` in the message.
    public func entity(_ name: String) -> EntityMatch? {
        entities.first { $0.entity == name }
    }
}
