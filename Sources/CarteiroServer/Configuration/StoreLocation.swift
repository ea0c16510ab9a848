import Foundation

/// Where Carteiro keeps its data: the embedded SQLite file (default) or a MongoDB deployment.
public enum StoreLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case mongodb(uri: String)

    /// `--store` wins; without it, `carteiro.sqlite` in the data folder.
    /// Accepted: `mongodb://…`, `mongodb+srv://…`, `sqlite:PATH`, or a path ending in `.sqlite`/`.db`.
    public static func resolve(store: String?, dataDirectory: String) throws(ConfigurationError) -> StoreLocation {
        guard let store = store?.trimmingCharacters(in: .whitespaces), !store.isEmpty else {
            return .sqlite(path: URL(fileURLWithPath: dataDirectory).appendingPathComponent("carteiro.sqlite").path)
        }
        if store.hasPrefix("mongodb://") || store.hasPrefix("mongodb+srv://") {
            guard store.count > "mongodb://".count else { throw ConfigurationError(key: "store", message: "'\(store)' names no host") }
            return .mongodb(uri: store)
        }
        if store.hasPrefix("sqlite:") {
            let path = String(store.dropFirst("sqlite:".count)).replacingOccurrences(of: "//", with: "", options: .anchored)
            guard !path.isEmpty else { throw ConfigurationError(key: "store", message: "'\(store)' names no file") }
            return .sqlite(path: path)
        }
        if store.hasSuffix(".sqlite") || store.hasSuffix(".db") { return .sqlite(path: store) }
        throw ConfigurationError(
            key: "store", message: "'\(Self.redact(store))' is neither mongodb://… nor sqlite:PATH")
    }

    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite:\(path)"
        case .mongodb(let uri): Self.redact(uri)
        }
    }

    /// The URI with any password replaced by `***`, safe for logs and error messages.
    public static func redact(_ uri: String) -> String {
        guard let schemeEnd = uri.range(of: "://"), let at = uri[schemeEnd.upperBound...].firstIndex(of: "@") else { return uri }
        let credentials = uri[schemeEnd.upperBound..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return uri }
        return uri.replacingCharacters(in: uri.index(after: colon)..<at, with: "***")
    }
}
