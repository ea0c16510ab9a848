public import Logging
import Synchronization

/// A log handler that keeps every line logged, in order, for tests that check what was logged
/// (and how often).
public final class CapturedLog: LogHandler, Sendable {
    public struct Entry: Sendable {
        public var level: Logger.Level
        public var message: String
        public var metadata: [String: String]
    }

    private let stored = Mutex<[Entry]>([])
    public var entries: [Entry] { stored.withLock { $0 } }

    public init() {}

    public var logLevel: Logger.Level {
        get { .trace }
        set {}
    }
    public var metadata: Logger.Metadata {
        get { [:] }
        set {}
    }
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { nil }
        set {}
    }

    public func log(event: LogEvent) {
        let entry = Entry(level: event.level, message: event.message.description, metadata: (event.metadata ?? [:]).mapValues { "\($0)" })
        stored.withLock { $0.append(entry) }
    }
}
