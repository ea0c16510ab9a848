import ArgumentParser
import CarteiroServer
import Foundation

/// `--data-dir` and `--store`, shared by every command that opens the store.
struct StoreOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "Folder of the embedded store. [env: CARTEIRO_DATA_DIR] (default: carteiro-data)")
    var dataDirectory: String?

    @Option(help: "mongodb://… URL (or sqlite:PATH); overrides --data-dir. [env: CARTEIRO_STORE] (default: embedded SQLite)")
    var store: String?

    /// `CARTEIRO_MONGO_COMPOUND_INDEXES=0`: build no `{field: 1, _id: 1}` paging indexes, for
    /// MongoDB-compatible servers that fail inserts with them (nx-27017 in the tests).
    var compoundPagingIndexes: Bool { Environment.value("CARTEIRO_MONGO_COMPOUND_INDEXES") != "0" }

    var resolvedDataDirectory: String { dataDirectory ?? Environment.value("CARTEIRO_DATA_DIR") ?? "carteiro-data" }

    func location() throws -> StoreLocation {
        do {
            return try StoreLocation.resolve(store: store ?? Environment.value("CARTEIRO_STORE"), dataDirectory: resolvedDataDirectory)
        } catch {
            throw CLIError.badInput(error.description)
        }
    }
}

enum Environment {
    static func value(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
        return value
    }
}
