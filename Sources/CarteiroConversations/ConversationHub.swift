public import CarteiroDomain

/// In-process fan-out of stored conversation entries to the connections of this process: one
/// stream per subscriber, by conversation, and a lobby stream of hand-off notices for agents.
///
/// Streams keep the newest entries only (a slow connection drops old ones): subscribers must
/// treat an entry whose sequence skips ahead as a gap and read the missing ones from the store.
public actor ConversationHub {
    public struct Subscription: Sendable {
        public let id: Int
        public let entries: AsyncStream<ChatMessage>
    }

    private var subscribers: [ConversationID: [Int: AsyncStream<ChatMessage>.Continuation]] = [:]
    private var lobby: [Int: AsyncStream<ChatMessage>.Continuation] = [:]
    /// The highest sequence published per conversation with subscribers, so the event-log feed
    /// does not read back entries this process already published.
    private var highestPublished: [ConversationID: Int] = [:]
    private var nextID = 0
    private var finished = false
    private let bufferSize: Int

    public init(bufferSize: Int = 256) {
        self.bufferSize = bufferSize
    }

    public func subscribe(to conversation: ConversationID) -> Subscription {
        let (stream, continuation) = AsyncStream<ChatMessage>.makeStream(bufferingPolicy: .bufferingNewest(bufferSize))
        nextID += 1
        if finished {
            continuation.finish()
        } else {
            subscribers[conversation, default: [:]][nextID] = continuation
        }
        return Subscription(id: nextID, entries: stream)
    }

    public func unsubscribe(_ id: Int, from conversation: ConversationID) {
        subscribers[conversation]?.removeValue(forKey: id)?.finish()
        if subscribers[conversation]?.isEmpty == true {
            subscribers[conversation] = nil
            highestPublished[conversation] = nil
        }
    }

    /// Hand-off notices (queued, assigned, returned to bot, closed) of every conversation.
    public func subscribeToLobby() -> Subscription {
        let (stream, continuation) = AsyncStream<ChatMessage>.makeStream(bufferingPolicy: .bufferingNewest(bufferSize))
        nextID += 1
        if finished { continuation.finish() } else { lobby[nextID] = continuation }
        return Subscription(id: nextID, entries: stream)
    }

    public func unsubscribeFromLobby(_ id: Int) {
        lobby.removeValue(forKey: id)?.finish()
    }

    /// Publishes `entries` to every subscriber but `skipped`, the subscription of the connection
    /// that stored them and delivers them itself.
    public func publish(_ entries: [ChatMessage], skipping skipped: Int? = nil) {
        for entry in entries {
            if let conversation = subscribers[entry.conversationID] {
                highestPublished[entry.conversationID] = max(highestPublished[entry.conversationID] ?? 0, entry.sequence)
                for (id, continuation) in conversation where id != skipped { continuation.yield(entry) }
            }
            if entry.notice != nil {
                for continuation in lobby.values { continuation.yield(entry) }
            }
        }
    }

    public func publish(_ entry: ChatMessage) { publish([entry]) }

    /// Whether each entry seen in the event log still needs reading and publishing here.
    func wanted(_ entries: [(conversation: ConversationID, sequence: Int, isNotice: Bool)]) -> [Bool] {
        entries.map { entry in
            if entry.isNotice, !lobby.isEmpty { return true }
            guard subscribers[entry.conversation] != nil else { return false }
            return entry.sequence > (highestPublished[entry.conversation] ?? 0)
        }
    }

    /// Ends every stream; later subscriptions end at once. Called on shutdown.
    public func finishAll() {
        finished = true
        for conversation in subscribers.values { for continuation in conversation.values { continuation.finish() } }
        for continuation in lobby.values { continuation.finish() }
        subscribers = [:]
        lobby = [:]
    }
}
