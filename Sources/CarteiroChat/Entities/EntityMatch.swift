/// An entity found in a message: its canonical value (the match itself for a regex entity) and
/// the text the customer wrote.
public struct EntityMatch: Hashable, Sendable, Codable {
    public let entity: String
    public let value: String
    /// The customer's words, as written.
    public let text: String

    public init(entity: String, value: String, text: String) {
        self.entity = entity
        self.value = value
        self.text = text
    }
}
