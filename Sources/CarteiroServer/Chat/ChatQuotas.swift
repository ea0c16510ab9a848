import CarteiroDomain
import Synchronization

/// What customers may make the store keep, per minute: new conversations per client address, and
/// message bytes per client address and per conversation. The per-connection frame limit stops a
/// flood from one socket; these stop many sockets, or one that keeps within its frame limit, from
/// filling the store (100 connections within their rate once stored 246 MB in 22 s).
///
/// Each quota is a token bucket that holds a minute's worth and refills continuously, shared by
/// every connection of the process. A message costs its text's UTF-8 bytes plus
/// `messageOverhead`, which stands for the record, its event and the bot's answer that each
/// stored message brings; a message over a quota is refused whole, and charges nothing.
final class ChatQuotas: Sendable {
    struct Limits: Sendable {
        /// New conversations one address may start per minute; 0: no limit.
        var conversationsPerMinute = 0
        /// Message bytes one address may have stored per minute; 0: no limit.
        var addressBytesPerMinute = 0
        /// Message bytes one conversation may store per minute; 0: no limit.
        var conversationBytesPerMinute = 0
    }

    enum Verdict: Equatable, Sendable {
        case allowed
        /// The conversation stored its minute's worth.
        case conversationOverQuota
        /// The client's address stored (or started) its minute's worth.
        case addressOverQuota
    }

    static let messageOverhead = 256

    private struct Bucket {
        var tokens: Double
        var refilledAt: ContinuousClock.Instant

        /// Refills for the time passed; true when it is full again (and can be forgotten).
        mutating func refill(perMinute: Int, at now: ContinuousClock.Instant) -> Bool {
            let elapsed = now - refilledAt
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            tokens = min(Double(perMinute), tokens + Double(perMinute) * seconds / 60)
            refilledAt = now
            return tokens >= Double(perMinute)
        }
    }

    private struct State {
        var conversationsByAddress: [IPAddress: Bucket] = [:]
        var bytesByAddress: [IPAddress: Bucket] = [:]
        var bytesByConversation: [ConversationID: Bucket] = [:]
        var sweptAt: ContinuousClock.Instant

        /// Once a minute, forgets the buckets that are full again: a minute after their last use, all
        /// are. What is kept is bounded by the addresses and conversations active in the last minute.
        mutating func sweep(at now: ContinuousClock.Instant, limits: Limits) {
            guard now - sweptAt >= .seconds(60) else { return }
            sweptAt = now
            conversationsByAddress = conversationsByAddress.filter { entry in
                var bucket = entry.value
                return !bucket.refill(perMinute: limits.conversationsPerMinute, at: now)
            }
            bytesByAddress = bytesByAddress.filter { entry in
                var bucket = entry.value
                return !bucket.refill(perMinute: limits.addressBytesPerMinute, at: now)
            }
            bytesByConversation = bytesByConversation.filter { entry in
                var bucket = entry.value
                return !bucket.refill(perMinute: limits.conversationBytesPerMinute, at: now)
            }
        }
    }

    let limits: Limits
    private let state: Mutex<State>

    init(limits: Limits, now: ContinuousClock.Instant = .now) {
        self.limits = limits
        state = Mutex(State(sweptAt: now))
    }

    /// Takes one new conversation from `address`'s quota, if it has one left.
    func startConversation(from address: IPAddress?, at now: ContinuousClock.Instant = .now) -> Verdict {
        let perMinute = limits.conversationsPerMinute
        guard let address, perMinute > 0 else { return .allowed }
        return state.withLock { state in
            state.sweep(at: now, limits: limits)
            var bucket = state.conversationsByAddress[address] ?? Bucket(tokens: Double(perMinute), refilledAt: now)
            _ = bucket.refill(perMinute: perMinute, at: now)
            guard bucket.tokens >= 1 else { return .addressOverQuota }
            bucket.tokens -= 1
            state.conversationsByAddress[address] = bucket
            return .allowed
        }
    }

    /// Takes a message of `textBytes` from the quotas of `conversation` and `address`, if both
    /// have room for it; otherwise takes nothing.
    func storeMessage(ofBytes textBytes: Int, in conversation: ConversationID, from address: IPAddress?, at now: ContinuousClock.Instant = .now)
        -> Verdict
    {
        let cost = Double(textBytes + Self.messageOverhead)
        let limits = self.limits
        return state.withLock { state in
            state.sweep(at: now, limits: limits)
            var conversationBucket: Bucket?
            if limits.conversationBytesPerMinute > 0 {
                var bucket =
                    state.bytesByConversation[conversation] ?? Bucket(tokens: Double(limits.conversationBytesPerMinute), refilledAt: now)
                _ = bucket.refill(perMinute: limits.conversationBytesPerMinute, at: now)
                guard bucket.tokens >= cost else { return .conversationOverQuota }
                conversationBucket = bucket
            }
            var addressBucket: Bucket?
            if let address, limits.addressBytesPerMinute > 0 {
                var bucket = state.bytesByAddress[address] ?? Bucket(tokens: Double(limits.addressBytesPerMinute), refilledAt: now)
                _ = bucket.refill(perMinute: limits.addressBytesPerMinute, at: now)
                guard bucket.tokens >= cost else { return .addressOverQuota }
                addressBucket = bucket
            }
            if var bucket = conversationBucket {
                bucket.tokens -= cost
                state.bytesByConversation[conversation] = bucket
            }
            if let address, var bucket = addressBucket {
                bucket.tokens -= cost
                state.bytesByAddress[address] = bucket
            }
            return .allowed
        }
    }
}
