public import CarteiroDomain
import CarteiroStore
public import Logging

/// Opens the store a configuration names. The only place that knows the concrete backends.
public enum StoreFactory {
    /// `compoundPagingIndexes: false` is for MongoDB-compatible servers that cannot build
    /// `{field: 1, _id: 1}` indexes (see `MongoStore.Configuration`); `sqliteWriterCacheMegabytes`
    /// sizes the embedded store's writer page cache (see `SQLiteStore.Configuration`).
    public static func open(
        _ location: StoreLocation, compoundPagingIndexes: Bool = true, sqliteWriterCacheMegabytes: Int? = nil, logger: Logger
    ) async throws -> any Store {
        switch location {
        case .sqlite(let path):
            logger.info("opening the embedded store", metadata: ["path": "\(path)"])
            return try SQLiteStore(configuration: .init(path: path, writerCacheMegabytes: sqliteWriterCacheMegabytes))
        case .mongodb(let uri):
            logger.info("connecting to MongoDB", metadata: ["uri": "\(StoreLocation.redact(uri))"])
            return try await MongoStore.connect(configuration: .init(uri: uri, concerns: MongoStore.concerns(fromURI: uri), compoundPagingIndexes: compoundPagingIndexes), logger: logger)
        }
    }
}
