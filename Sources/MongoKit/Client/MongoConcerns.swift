/// Read and write concerns that every operation of a pool uses, and that its transactions start with.
public struct MongoConcerns: Sendable, Hashable {
    /// How many members must acknowledge a write.
    public enum WriteConcern: Sendable, Hashable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
        /// A majority of the voting members (`w: "majority"`).
        case majority
        /// This many members (`w: n`); `1` is the primary alone.
        case nodes(Int)
        /// A replica-set tag set name.
        case tag(String)

        /// `"majority"`, a number such as `"1"`, or a tag set name.
        public init(stringLiteral value: String) {
            if value == "majority" {
                self = .majority
            } else if let nodes = Int(value) {
                self = .nodes(nodes)
            } else {
                self = .tag(value)
            }
        }

        public init(integerLiteral value: Int) {
            self = .nodes(value)
        }
    }

    /// The read concern level, such as `majority` or `local`.
    public struct ReadConcern: Sendable, Hashable, ExpressibleByStringLiteral {
        /// `nil` sends no read concern, leaving the level to the server's default.
        public let level: String?

        public init(level: String?) {
            self.level = level
        }

        public init(stringLiteral value: String) {
            self.init(level: value)
        }

        public static let local = ReadConcern(level: "local")
        public static let available = ReadConcern(level: "available")
        public static let majority = ReadConcern(level: "majority")
        public static let linearizable = ReadConcern(level: "linearizable")
        public static let snapshot = ReadConcern(level: "snapshot")
        /// No read concern is sent; the server applies its default (`local` for most reads).
        public static let serverDefault = ReadConcern(level: nil)
    }

    public var writeConcern: WriteConcern
    public var readConcern: ReadConcern
    /// Whether writes wait for the journal (`j`); `nil` leaves it to the server.
    public var journal: Bool?
    /// How long a write waits for its acknowledgements before failing (`wtimeoutMS`); `nil` waits indefinitely.
    public var writeTimeout: Duration?

    public init(writeConcern: WriteConcern = .majority, readConcern: ReadConcern = .majority, journal: Bool? = nil, writeTimeout: Duration? = nil) {
        self.writeConcern = writeConcern
        self.readConcern = readConcern
        self.journal = journal
        self.writeTimeout = writeTimeout
    }

    /// Majority writes and majority reads: what survives a primary failover.
    public static let majority = MongoConcerns()
}
