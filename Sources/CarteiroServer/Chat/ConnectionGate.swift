import Synchronization

/// Places for chat connections (`/chat` and `/agent`): at most `maximum` at once, and at most
/// `perAddress` customer connections from one client address.
///
/// The upgrade guard takes a place when it lets an upgrade request through, before the upgrade
/// runs, and the place is given back when the socket closes. A burst of upgrades therefore
/// cannot all pass the check and then be turned away one by one further on, where
/// hummingbird-websocket can only answer a bare 400 (or the connection, once upgraded, a close).
///
/// Connections that never say hello cannot crowd customers out: when the process is full, the
/// customer connection that has waited longest for its hello is evicted to make room, once it has
/// waited `evictableAfter` (a customer says hello within a round trip of opening, so a burst of
/// real customers does not evict itself); each is closed anyway after the hello timeout. (A cap on
/// the connections waiting for hello would not help new customers: their connections wait too.)
final class ConnectionGate: Sendable {
    struct Limits: Sendable {
        var maximum: Int
        /// Customer connections per client address; 0: no limit.
        var perAddress: Int = 0
        /// How long a customer connection waits for hello before it may be evicted.
        var evictableAfter: Duration = .seconds(2)
    }

    enum Refusal: Sendable {
        /// Every place is taken, by connections past hello or by agents.
        case full
        /// The client's address holds `perAddress` connections.
        case addressFull
    }

    enum Entry {
        case admitted(Ticket)
        case refused(Refusal)
    }

    /// One connection's place, found again from its channel by the route that runs it.
    final class Ticket: Sendable {
        let channel: ObjectIdentifier
        /// The client address the per-address limit counts it under (nil: not counted).
        let address: IPAddress?
        let isCustomer: Bool
        private let eviction = Mutex<Eviction>(.init())

        private struct Eviction {
            var handler: (@Sendable () -> Void)?
            var evicted = false
        }

        fileprivate init(channel: ObjectIdentifier, address: IPAddress?, isCustomer: Bool) {
            self.channel = channel
            self.address = address
            self.isCustomer = isCustomer
        }

        /// How the connection is closed when the gate evicts it (replacing the previous way);
        /// runs `body` at once if it already was evicted.
        func onEviction(_ body: @escaping @Sendable () -> Void) {
            let evicted = eviction.withLock { state -> Bool in
                state.handler = body
                return state.evicted
            }
            if evicted { body() }
        }

        fileprivate func evict() {
            let handler = eviction.withLock { state -> (@Sendable () -> Void)? in
                state.evicted = true
                return state.handler
            }
            handler?()
        }
    }

    private struct State {
        var tickets: [ObjectIdentifier: Ticket] = [:]
        /// Customer connections not past hello, with the time each was admitted.
        var waiting: [ObjectIdentifier: ContinuousClock.Instant] = [:]
        /// Tickets evicted whose sockets have not closed yet: they no longer count against `maximum`.
        var evicted: Set<ObjectIdentifier> = []
        var perAddress: [IPAddress: Int] = [:]

        /// Takes the connection that has waited longest for hello, if it was admitted before
        /// `cutoff`, out of the waiting ones.
        mutating func evictLongestWaiting(admittedBefore cutoff: ContinuousClock.Instant) -> Ticket? {
            guard let (channel, admitted) = waiting.min(by: { $0.value < $1.value }), admitted <= cutoff else { return nil }
            waiting[channel] = nil
            evicted.insert(channel)
            return tickets[channel]
        }
    }

    private let state = Mutex(State())
    let limits: Limits

    var maximum: Int { limits.maximum }

    init(limits: Limits) {
        self.limits = limits
    }

    convenience init(maximum: Int) {
        self.init(limits: Limits(maximum: maximum))
    }

    /// Open connections that count against `maximum`.
    var count: Int { state.withLock { $0.tickets.count - $0.evicted.count } }

    /// Takes a place for the connection on `channel` (a customer's is counted under `address`),
    /// evicting a connection that waits for hello if that makes room; or says why not.
    func enter(channel: ObjectIdentifier, address: IPAddress?, customer: Bool, at now: ContinuousClock.Instant = .now) -> Entry {
        let limits = self.limits
        let (entry, evicted) = state.withLock { state -> (Entry, [Ticket]) in
            guard state.tickets[channel] == nil else { return (.refused(.full), []) }
            let counted = customer ? address : nil
            if let counted, limits.perAddress > 0, state.perAddress[counted, default: 0] >= limits.perAddress {
                return (.refused(.addressFull), [])
            }
            var evicted: [Ticket] = []
            if state.tickets.count - state.evicted.count >= limits.maximum {
                guard let ticket = state.evictLongestWaiting(admittedBefore: now - limits.evictableAfter) else { return (.refused(.full), []) }
                evicted.append(ticket)
            }
            let ticket = Ticket(channel: channel, address: counted, isCustomer: customer)
            state.tickets[channel] = ticket
            if customer { state.waiting[channel] = now }
            if let counted { state.perAddress[counted, default: 0] += 1 }
            return (.admitted(ticket), evicted)
        }
        for ticket in evicted { ticket.evict() }
        return entry
    }

    /// The customer said hello: its connection no longer waits.
    func greet(_ ticket: Ticket) {
        state.withLock { _ = $0.waiting.removeValue(forKey: ticket.channel) }
    }

    /// Whether the customer on `ticket` has yet to say hello.
    func isWaiting(_ ticket: Ticket) -> Bool {
        state.withLock { $0.waiting[ticket.channel] != nil }
    }

    /// Gives the place back (the socket closed).
    func leave(_ ticket: Ticket) {
        state.withLock { state in
            guard state.tickets[ticket.channel] === ticket else { return }
            state.tickets[ticket.channel] = nil
            state.waiting[ticket.channel] = nil
            state.evicted.remove(ticket.channel)
            if let address = ticket.address {
                let left = state.perAddress[address, default: 1] - 1
                state.perAddress[address] = left > 0 ? left : nil
            }
        }
    }

    /// The place taken for the connection on `channel`, while it is open.
    func ticket(for channel: ObjectIdentifier) -> Ticket? {
        state.withLock { $0.tickets[channel] }
    }
}
