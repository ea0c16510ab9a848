import Synchronization

/// Places for chat connections (`/chat` and `/agent`), at most `maximum` at once.
///
/// The upgrade guard takes a place when it lets an upgrade request through, before the upgrade
/// runs, and the place is given back when the socket closes. A burst of upgrades therefore
/// cannot all pass the check and then be turned away one by one further on, where
/// hummingbird-websocket can only answer a bare 400 (or the connection, once upgraded, a close).
final class ConnectionGate: Sendable {
    /// One connection's place, found again from its channel by the route that runs it.
    final class Ticket: Sendable {
        let channel: ObjectIdentifier

        fileprivate init(channel: ObjectIdentifier) {
            self.channel = channel
        }
    }

    private let tickets = Mutex<[ObjectIdentifier: Ticket]>([:])
    let maximum: Int

    init(maximum: Int) {
        self.maximum = maximum
    }

    var count: Int { tickets.withLock { $0.count } }

    /// Takes a place for the connection on `channel`; nil (and nothing taken) when all are taken.
    func enter(channel: ObjectIdentifier) -> Ticket? {
        tickets.withLock { tickets in
            guard tickets.count < maximum, tickets[channel] == nil else { return nil }
            let ticket = Ticket(channel: channel)
            tickets[channel] = ticket
            return ticket
        }
    }

    func leave(_ ticket: Ticket) {
        tickets.withLock { tickets in
            if tickets[ticket.channel] === ticket { tickets[ticket.channel] = nil }
        }
    }

    /// The place taken for the connection on `channel`, while it is open.
    func ticket(for channel: ObjectIdentifier) -> Ticket? {
        tickets.withLock { $0[channel] }
    }
}
