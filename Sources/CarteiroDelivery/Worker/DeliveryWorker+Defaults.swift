extension DeliveryWorker.Configuration {
    /// Jobs a worker claims per batch unless configured otherwise.
    public static let defaultBatchSize = 200

    /// Batches in flight when none is configured: half the connections of all relays, at least 2
    /// per relay, at most 8. Each batch is claimed, composed, delivered and recorded in turn; with
    /// more batches in flight one is being delivered while others are in the store or being
    /// composed, so the connections are not left idle (measured with `carteiro bench delivery`:
    /// 8 connections sent ~10% more with 4 batches than with 2).
    public static func defaultParallelBatches(relays: Int, connections: Int) -> Int { min(8, max(2 * relays, connections / 2)) }
}
