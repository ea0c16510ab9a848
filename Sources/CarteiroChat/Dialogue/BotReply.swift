/// One message the bot sends, with the buttons the customer may tap instead of typing.
public struct BotReply: Hashable, Sendable, Codable {
    public var text: String
    public var quickReplies: [String]

    public init(text: String, quickReplies: [String] = []) {
        self.text = text
        self.quickReplies = quickReplies
    }
}
