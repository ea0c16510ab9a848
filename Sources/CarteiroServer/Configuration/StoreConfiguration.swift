public import Configuration
import Foundation

/// Where the store is and how the embedded one is tuned; read by every command that opens it.
public struct StoreConfiguration: Sendable {
    public enum Keys {
        public static let dataDirectory = Setting<String>(
            "store.dataDir", flag: "data-dir", environment: "CARTEIRO_DATA_DIR", default: "carteiro-data",
            "folder of the embedded SQLite store (carteiro.sqlite) and of the default .eml outbox")
        public static let url = Setting<String?>(
            "store.url", flag: "store", environment: "CARTEIRO_STORE", default: nil, shownDefault: "embedded SQLite",
            "mongodb://… (or sqlite:PATH); overrides --data-dir")
        public static let sqliteCacheMegabytes = Setting<Int>(
            "store.sqliteCacheMB", flag: "sqlite-cache-mb", environment: "CARTEIRO_SQLITE_CACHE_MB", default: 32,
            "page cache of `serve`'s embedded-store writer, in MB (`send` keeps SQLite's 2 MB and 512 KiB per reader: every cached page counts in its memory)")

        public static let all: [any SettingDescription] = [dataDirectory, url, sqliteCacheMegabytes]
    }

    public var dataDirectory: String
    public var location: StoreLocation
    public var sqliteCacheMegabytes: Int

    public init(dataDirectory: String = Keys.dataDirectory.defaultValue, location: StoreLocation? = nil, sqliteCacheMegabytes: Int = 32)
        throws(ConfigurationError)
    {
        guard !dataDirectory.isEmpty else { throw ConfigurationError(key: Keys.dataDirectory.flag, message: "must not be empty") }
        self.dataDirectory = dataDirectory
        if let location {
            self.location = location
        } else {
            self.location = try StoreLocation.resolve(store: nil, dataDirectory: dataDirectory)
        }
        self.sqliteCacheMegabytes = sqliteCacheMegabytes
    }

    public init(reader: ConfigReader) throws(ConfigurationError) {
        let folder = reader.string(forKey: Keys.dataDirectory.configKey, default: Keys.dataDirectory.defaultValue)
        let url = reader.string(forKey: Keys.url.configKey, isSecret: true)
        let cache = reader.int(forKey: Keys.sqliteCacheMegabytes.configKey, default: Keys.sqliteCacheMegabytes.defaultValue)
        guard (1...65_536).contains(cache) else {
            throw ConfigurationError(key: Keys.sqliteCacheMegabytes.flag, message: "'\(cache)' is not a number of MB from 1 to 65536")
        }
        try self.init(dataDirectory: folder, location: StoreLocation.resolve(store: url, dataDirectory: folder), sqliteCacheMegabytes: cache)
    }

    /// The `.eml` folder relays default to when none is configured.
    public var defaultRelay: String { "file://" + URL(fileURLWithPath: dataDirectory).appendingPathComponent("outbox").path }
}
