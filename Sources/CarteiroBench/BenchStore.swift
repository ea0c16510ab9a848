import CarteiroDomain
import CarteiroServer
import Foundation
import Logging

/// Opens the store a benchmark measures (`--store`, or a new SQLite file in a temporary folder),
/// prints which, runs `body` with it, and always closes it and removes the temporary folder.
func withBenchStore(_ store: String?, logger: Logger, _ body: (any Store) async throws -> Void) async throws {
    let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("carteiro-bench-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: temporary) }
    let location: StoreLocation
    do {
        location = try StoreLocation.resolve(store: store, dataDirectory: temporary.path)
    } catch {
        throw BenchError(error.description)
    }
    let opened = try await StoreFactory.open(location, logger: logger)
    emit("store: \(location)")
    do {
        try await body(opened)
    } catch {
        await opened.close()
        throw error
    }
    await opened.close()
}
