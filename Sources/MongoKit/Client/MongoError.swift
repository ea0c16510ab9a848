internal import CMongoC

/// An error from libmongoc, from the server through libmongoc, or from MongoKit itself.
///
/// `domain` and `code` are libmongoc's (error API version 2: server errors carry domain
/// `MONGOC_ERROR_SERVER` (17) and the server's own code).
public struct MongoError: Error, Sendable, CustomStringConvertible {
    private enum Kind: Sendable {
        case driver
        case invalidURI
        case invalidDocument
        case poolClosed
        case deadlineExceeded
        case poolExhausted
    }

    private let kind: Kind
    public let domain: UInt32
    public let code: UInt32
    public let message: String
    /// Labels such as `TransientTransactionError` or `UnknownTransactionCommitResult`.
    public let errorLabels: [String]
    /// The server's reply, when there was one.
    public let reply: BSONDocument?

    private init(kind: Kind, domain: UInt32, code: UInt32, message: String, errorLabels: [String] = [], reply: BSONDocument? = nil) {
        self.kind = kind
        self.domain = domain
        self.code = code
        self.message = message
        self.errorLabels = errorLabels
        self.reply = reply
    }

    public var description: String {
        var text = "MongoError(domain: \(domain), code: \(code)): \(message)"
        if !errorLabels.isEmpty { text += " labels: \(errorLabels.joined(separator: ","))" }
        return text
    }

    /// A unique index refused the write (11000, or 11001 from old servers), reported directly or in `writeErrors`.
    public var isDuplicateKey: Bool {
        if isServerReported, Self.duplicateKeyCodes.contains(code) { return true }
        guard let writeErrors = reply?["writeErrors"]?.arrayValue else { return false }
        return writeErrors.contains { error in
            error.documentValue?["code"]?.int64Value.map { Self.duplicateKeyCodes.contains(UInt32(truncatingIfNeeded: $0)) } ?? false
        }
    }

    /// The operation ran out of time: a socket timeout, `maxTimeMS`, a caller's deadline, or no
    /// pooled client freed within the URI's `waitQueueTimeoutMS`.
    public var isTimeout: Bool {
        switch kind {
        case .deadlineExceeded, .poolExhausted:
            return true
        case .driver:
            if domain == UInt32(MONGOC_ERROR_STREAM.rawValue), code == UInt32(MONGOC_ERROR_STREAM_SOCKET.rawValue) {
                return message.contains("timed out") || message.contains("timeout")
            }
            // MaxTimeMSExpired, NetworkTimeout, ExceededTimeLimit.
            return isServerReported && [50, 89, 262].contains(code)
        default:
            return false
        }
    }

    /// No server could be reached: server selection failed, or the connection was refused or never made.
    public var isServerUnreachable: Bool {
        switch kind {
        case .deadlineExceeded:
            return true
        case .driver:
            if domain == UInt32(MONGOC_ERROR_SERVER_SELECTION.rawValue) { return true }
            if domain == UInt32(MONGOC_ERROR_STREAM.rawValue) {
                return code == UInt32(MONGOC_ERROR_STREAM_CONNECT.rawValue)
                    || code == UInt32(MONGOC_ERROR_STREAM_NAME_RESOLUTION.rawValue)
                    || code == UInt32(MONGOC_ERROR_STREAM_NOT_ESTABLISHED.rawValue)
            }
            return false
        default:
            return false
        }
    }

    /// The whole transaction may be retried: labelled `TransientTransactionError`, or a write conflict (112).
    public var isTransientTransactionError: Bool {
        errorLabels.contains("TransientTransactionError") || (isServerReported && code == 112)
    }

    /// The commit's outcome is unknown and committing again is safe.
    public var isUnknownTransactionCommitResult: Bool {
        errorLabels.contains("UnknownTransactionCommitResult")
    }

    /// The connection string could not be parsed.
    public var isInvalidURI: Bool {
        kind == .invalidURI
    }

    /// The pool was closed before or while the operation ran.
    public var isPoolClosed: Bool {
        kind == .poolClosed
    }

    private var isServerReported: Bool {
        kind == .driver
            && (domain == UInt32(MONGOC_ERROR_SERVER.rawValue) || domain == UInt32(MONGOC_ERROR_WRITE_CONCERN.rawValue))
    }

    private static let duplicateKeyCodes: Set<UInt32> = [11000, 11001]
}

extension MongoError {
    /// The one way a libmongoc failure becomes a Swift error: call with what the C function
    /// returned, its error out-parameter and, when it has one, its reply.
    static func check(_ succeeded: Bool, _ error: bson_error_t, reply: OpaquePointer? = nil) throws(MongoError) {
        guard !succeeded else { return }
        throw MongoError(error, reply: reply.map { BSONDocument(bson: $0) })
    }

    static func check(_ succeeded: Bool, _ error: bson_error_t, reply: BSONDocument?) throws(MongoError) {
        guard !succeeded else { return }
        throw MongoError(error, reply: reply)
    }

    private init(_ error: bson_error_t, reply: BSONDocument?) {
        let message = withUnsafeBytes(of: error.message) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
        let labels = reply?["errorLabels"]?.arrayValue?.compactMap(\.stringValue) ?? []
        var code = error.code
        // Bulk writes report the first write error with a client-side code; prefer the server's.
        if let firstWriteError = reply?["writeErrors"]?.arrayValue?.first?.documentValue,
            let serverCode = firstWriteError["code"]?.int64Value,
            error.domain != UInt32(MONGOC_ERROR_SERVER.rawValue)
        {
            code = UInt32(truncatingIfNeeded: serverCode)
        }
        self.init(kind: .driver, domain: error.domain, code: code, message: message, errorLabels: labels, reply: reply)
    }

    static func invalidURI(_ error: bson_error_t) -> MongoError {
        let driver = MongoError(error, reply: nil)
        return MongoError(kind: .invalidURI, domain: driver.domain, code: driver.code, message: driver.message)
    }

    static func invalidURI(_ message: String) -> MongoError {
        MongoError(
            kind: .invalidURI, domain: UInt32(MONGOC_ERROR_COMMAND.rawValue), code: UInt32(MONGOC_ERROR_COMMAND_INVALID_ARG.rawValue),
            message: message)
    }

    static func invalidDocument(_ message: String) -> MongoError {
        MongoError(
            kind: .invalidDocument, domain: UInt32(MONGOC_ERROR_BSON.rawValue), code: UInt32(MONGOC_ERROR_BSON_INVALID.rawValue), message: message)
    }

    static func unexpectedReply(_ message: String, reply: BSONDocument?) -> MongoError {
        MongoError(
            kind: .driver, domain: UInt32(MONGOC_ERROR_PROTOCOL.rawValue), code: UInt32(MONGOC_ERROR_PROTOCOL_INVALID_REPLY.rawValue),
            message: message, reply: reply)
    }

    static let poolClosed = MongoError(
        kind: .poolClosed, domain: UInt32(MONGOC_ERROR_CLIENT.rawValue), code: UInt32(MONGOC_ERROR_CLIENT_NOT_READY.rawValue),
        message: "the client pool is closed")

    static let poolExhausted = MongoError(
        kind: .poolExhausted, domain: UInt32(MONGOC_ERROR_CLIENT.rawValue), code: UInt32(MONGOC_ERROR_CLIENT_NOT_READY.rawValue),
        message: "no pooled client became free within waitQueueTimeoutMS")

    static func deadlineExceeded(_ message: String) -> MongoError {
        MongoError(
            kind: .deadlineExceeded, domain: UInt32(MONGOC_ERROR_SERVER_SELECTION.rawValue),
            code: UInt32(MONGOC_ERROR_SERVER_SELECTION_FAILURE.rawValue), message: message)
    }
}
