import HummingbirdWSClient

/// How long a session waits before each reconnect: doubling from `initial` up to `maximum`,
/// back to `initial` once a connection got as far as a welcome.
public struct ReconnectPolicy: Sendable {
    public var initial: Duration
    public var maximum: Duration
    /// Consecutive failed attempts before the session gives up (nil: never).
    public var maxAttempts: Int?

    public init(initial: Duration = .milliseconds(250), maximum: Duration = .seconds(5), maxAttempts: Int? = nil) {
        self.initial = initial
        self.maximum = maximum
        self.maxAttempts = maxAttempts
    }

    func delay(afterFailures failures: Int) -> Duration {
        var delay = initial
        for _ in 1..<max(1, failures) where delay < maximum { delay = delay * 2 }
        return min(delay, maximum)
    }

    /// How one connection ended.
    struct Ending: Sendable {
        var reason: String
        /// The connection got as far as a welcome, so the backoff starts over.
        var wasHealthy: Bool
        /// Nothing more to do (the conversation closed, or the user quit).
        var finished: Bool
        /// The server refused the token: the session ends with `ChatClientError.tokenRefused`.
        var tokenRefused = false
    }

    /// Runs `connection` again after every drop until it reports `finished`, the task is
    /// cancelled, `maxAttempts` consecutive attempts failed, or the server refused the token.
    func keepConnected(
        isolation: isolated (any Actor)? = #isolation,
        _ connection: () async throws -> Ending, onDrop: (_ reason: String, _ retryIn: Duration) async -> Void
    ) async throws {
        var failures = 0
        while !Task.isCancelled {
            let ending = try await connection()
            if ending.finished || Task.isCancelled { return }
            if ending.tokenRefused { throw ChatClientError.tokenRefused(reason: ending.reason) }
            failures = ending.wasHealthy ? 1 : failures + 1
            if let maxAttempts, failures > maxAttempts { throw ChatClientError.gaveUp(lastError: ending.reason) }
            let delay = delay(afterFailures: failures)
            await onDrop(ending.reason, delay)
            try await Task.sleep(for: delay)
        }
    }
}

/// What a session knows of its current connection, and how it ends one.
struct ConnectionLink {
    /// Set while connected (after `welcome` for customers): where frames go.
    var writer: WebSocketOutboundWriter?
    /// The connection got far enough to start the backoff over when it drops.
    var healthy = false
    /// Nothing more to do: the user quit or the conversation closed.
    var finished = false

    mutating func up(_ writer: WebSocketOutboundWriter) {
        self.writer = writer
        healthy = true
    }

    /// How the connection that just closed ended; forgets it.
    mutating func ended(_ ended: Connection.Ended) -> ReconnectPolicy.Ending {
        defer {
            writer = nil
            healthy = false
        }
        return .init(reason: ended.reason, wasHealthy: healthy, finished: finished, tokenRefused: ended.tokenRefused)
    }
}

public enum ChatClientError: Error, CustomStringConvertible, Equatable {
    case gaveUp(lastError: String)
    /// The server refused the session's token (unknown, revoked, expired or of another scope).
    case tokenRefused(reason: String)

    public var description: String {
        switch self {
        case let .gaveUp(lastError): "could not reconnect: \(lastError)"
        case let .tokenRefused(reason): "token refused: \(reason)"
        }
    }
}
