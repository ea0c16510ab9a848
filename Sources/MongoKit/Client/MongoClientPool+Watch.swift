internal import CMongoC
import Foundation
import Synchronization

extension MongoClientPool {
    /// Streams the change events of a collection of the pool's database.
    ///
    /// A dedicated thread, holding its own client for the stream's lifetime, waits for events
    /// (`mongoc_change_stream_next` blocks up to `maxAwait`), so the pool's threads stay free. The
    /// thread stops within about `maxAwait` once the consumer stops iterating or is cancelled; a
    /// server error finishes the stream with the `MongoError`, and closing the pool with an error
    /// whose `isPoolClosed` is set. Events are buffered without bound while the consumer lags.
    public func watch(
        collection: String, pipeline: [BSONDocument] = [], maxAwait: Duration = .milliseconds(500)
    ) -> AsyncThrowingStream<BSONDocument, any Error> {
        watch(collection: collection, pipeline: pipeline, maxAwait: maxAwait, onEstablished: {})
    }

    /// `watch(collection:pipeline:maxAwait:)`, calling `onEstablished` once the server has opened
    /// the change stream, so that every later write is seen.
    package func watch(
        collection: String, pipeline: [BSONDocument] = [], maxAwait: Duration = .milliseconds(500),
        onEstablished: @escaping @Sendable () -> Void
    ) -> AsyncThrowingStream<BSONDocument, any Error> {
        let (stream, continuation) = AsyncThrowingStream<BSONDocument, any Error>.makeStream()
        let watcher = ChangeStreamWatcher(
            handle: handle, databaseName: databaseName, collection: collection, pipeline: pipeline, maxAwait: maxAwait,
            continuation: continuation, onEstablished: onEstablished)
        continuation.onTermination = { _ in watcher.stop() }
        let thread = Thread { watcher.run() }
        thread.name = "mongokit-watch"
        thread.start()
        return stream
    }
}

/// The loop of one change stream, run on its own thread.
private final class ChangeStreamWatcher: Sendable {
    private let handle: ClientPoolHandle
    private let databaseName: String
    private let collection: String
    private let pipeline: [BSONDocument]
    private let maxAwait: Duration
    private let continuation: AsyncThrowingStream<BSONDocument, any Error>.Continuation
    private let onEstablished: @Sendable () -> Void
    private let isStopped = Atomic<Bool>(false)

    init(
        handle: ClientPoolHandle, databaseName: String, collection: String, pipeline: [BSONDocument], maxAwait: Duration,
        continuation: AsyncThrowingStream<BSONDocument, any Error>.Continuation, onEstablished: @escaping @Sendable () -> Void
    ) {
        self.handle = handle
        self.databaseName = databaseName
        self.collection = collection
        self.pipeline = pipeline
        self.maxAwait = maxAwait
        self.continuation = continuation
        self.onEstablished = onEstablished
    }

    func stop() {
        isStopped.store(true, ordering: .releasing)
    }

    func run() {
        do {
            try watch()
            continuation.finish()
        } catch {
            continuation.finish(throwing: error)
        }
    }

    private func watch() throws(MongoError) {
        let client = try handle.pop()
        defer { handle.push(client) }
        guard let collectionHandle = mongoc_client_get_collection(client, databaseName, collection) else {
            throw MongoError.invalidDocument("no collection handle for \(collection)")
        }
        defer { mongoc_collection_destroy(collectionHandle) }
        let options: BSONDocument = ["maxAwaitTimeMS": .int64(max(1, maxAwait.milliseconds))]
        let stream = try pipeline.map { BSON.document($0) }.withBSONArray { pipeline throws(MongoError) in
            try options.withBSON { options throws(MongoError) in
                // Runs the opening aggregate now, so events after this call are seen.
                mongoc_collection_watch(collectionHandle, pipeline, options)
            }
        }
        guard let stream else { throw MongoError.unexpectedReply("mongoc_collection_watch returned nothing", reply: nil) }
        defer { mongoc_change_stream_destroy(stream) }
        try Self.checkError(stream)
        onEstablished()

        let scratch = BSONScratch()
        var event: OpaquePointer? = nil
        while !isStopped.load(ordering: .acquiring) {
            if handle.isClosing { throw MongoError.poolClosed }
            if mongoc_change_stream_next(stream, &event), let event {
                continuation.yield(BSONDocument(bson: event, scratch: scratch))
            } else {
                try Self.checkError(stream)
            }
        }
    }

    private static func checkError(_ stream: OpaquePointer) throws(MongoError) {
        var error = bson_error_t()
        var reply: OpaquePointer? = nil
        if mongoc_change_stream_error_document(stream, &error, &reply) {
            try MongoError.check(false, error, reply: reply)
        }
    }
}
