public import Foundation

/// The durable, ordered log of domain events, with each subscriber's checkpoint and the events
/// it parked after failing to handle them.
public protocol EventLog: Sendable {
    /// Appends events on their own (no state change with them); returns them with positions.
    @discardableResult
    func append(_ events: [DomainEvent]) async throws -> [DomainEvent]
    /// Events after `position`, in position order.
    func read(after position: Int64, limit: Int) async throws -> [DomainEvent]
    func lastPosition() async throws -> Int64
    /// Events of `kind` that occurred from `from` (included) to `to` (excluded).
    func count(kind: DomainEvent.Kind, from: Date, to: Date) async throws -> Int

    func checkpoint(of subscriber: String) async throws -> Int64
    func saveCheckpoint(_ position: Int64, of subscriber: String) async throws

    func park(_ event: DomainEvent, subscriber: String, error: String, at: Date) async throws
    func parked(subscriber: String) async throws -> [ParkedEvent]
    /// Removes a parked event, returning it so it can be delivered again.
    func unpark(_ eventID: EventID, subscriber: String) async throws -> ParkedEvent?

    /// Signals that new events may be in the log: at once for appends in this process, and by
    /// the backend's change feed or by polling for appends in other processes.
    func appendSignals() -> AsyncStream<Void>
}

public struct ParkedEvent: Hashable, Sendable {
    public var event: DomainEvent
    public var subscriber: String
    public var error: String
    public var parkedAt: Date

    public init(event: DomainEvent, subscriber: String, error: String, parkedAt: Date) {
        self.event = event
        self.subscriber = subscriber
        self.error = error
        self.parkedAt = parkedAt
    }
}
