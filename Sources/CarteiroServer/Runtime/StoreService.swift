public import CarteiroDomain
public import ServiceLifecycle

/// Keeps the store open for the life of the process, runs its maintenance meanwhile, and closes
/// it last on shutdown (services shut down in reverse order, and this one is started first).
public struct StoreService: Service {
    let store: any Store

    public init(store: any Store) { self.store = store }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await store.runMaintenance() }
        // A store with no upkeep returns at once: it stays open until the shutdown all the same.
        try? await gracefulShutdown()
        await store.close()
    }
}
