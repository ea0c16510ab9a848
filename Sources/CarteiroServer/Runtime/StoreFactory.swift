public import CarteiroDomain
import CarteiroStore
public import Logging

/// Opens the store a configuration names. The only place that knows the concrete backends.
public enum StoreFactory {
    /// Page caches of the embedded store's connections, in KiB (nil: SQLite's 2 MB).
    public struct SQLiteCaches: Sendable {
        public var writerKiB: Int?
        public var readerKiB: Int?

        public init(writerKiB: Int? = nil, readerKiB: Int? = nil) {
            self.writerKiB = writerKiB
            self.readerKiB = readerKiB
        }
    }

    /// `compoundPagingIndexes: false` is for MongoDB-compatible servers that cannot build
    /// `{field: 1, _id: 1}` indexes (see `MongoStore.Configuration`).
    public static func open(
        _ location: StoreLocation, compoundPagingIndexes: Bool = true, sqliteCaches: SQLiteCaches = .init(), logger: Logger
    ) async throws -> any Store {
        switch location {
        case .sqlite(let path):
            logger.info("opening the embedded store", metadata: ["path": "\(path)"])
            return try SQLiteStore(
                configuration: .init(path: path, writerCacheKiB: sqliteCaches.writerKiB, readerCacheKiB: sqliteCaches.readerKiB))
        case .mongodb(let uri):
            logger.info("connecting to MongoDB", metadata: ["uri": "\(StoreLocation.redact(uri))"])
            return try await MongoStore.connect(configuration: .init(uri: uri, concerns: MongoStore.concerns(fromURI: uri), compoundPagingIndexes: compoundPagingIndexes), logger: logger)
        }
    }
}
