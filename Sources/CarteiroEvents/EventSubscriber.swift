public import CarteiroDomain

/// Something that reacts to domain events. Its `name` keys its durable checkpoint: keep it
/// stable across releases, or the subscriber starts again from the beginning of the log.
public protocol EventSubscriber: Sendable {
    var name: String { get }
    /// Kinds to receive; events of other kinds are skipped (and checkpointed past).
    var kinds: Set<DomainEvent.Kind>? { get }
    /// Handles one event. Delivery is at least once: a handler must tolerate seeing an event
    /// again after a crash. A thrown error is retried, then the event is parked.
    func handle(_ event: DomainEvent) async throws
}

extension EventSubscriber {
    public var kinds: Set<DomainEvent.Kind>? { nil }
}
