import ArgumentParser
import CarteiroDomain
import CarteiroServer
import CarteiroUseCases
import Foundation
import Logging

/// `carteiro bench api`: the admin API's costly operations, one section each, on a fresh store
/// (a temporary SQLite file unless --store). Sections print `name value` lines; a new one is a
/// function added to `sections`.
struct APIBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "api", abstract: "Benchmark the admin API's use cases (contact import, …).")

    @Option(help: "mongodb://… or sqlite:PATH to measure; default: a new SQLite file in a temporary folder.")
    var store: String?

    @Option(help: "Contacts in the imported CSV file.")
    var contacts = 100_000

    func run() async throws {
        var logger = Logger(label: "carteiro.bench")
        logger.logLevel = .warning
        let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("carteiro-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: temporary) }
        let location: StoreLocation
        do {
            location = try StoreLocation.resolve(store: store, dataDirectory: temporary.path)
        } catch {
            throw BenchError(error.description)
        }
        let store = try await StoreFactory.open(location, logger: logger)
        emit("store: \(location)")
        do {
            for section in sections { try await section(store) }
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }

    private var sections: [(any Store) async throws -> Void] { [measureImport] }

    /// One CSV file of `contacts` new contacts (name, status, tags, typed attributes), imported
    /// through the use case the API calls, timed from the bytes to the last batch committed.
    private func measureImport(_ store: any Store) async throws {
        var csv = "email,name,status,tags,age:number,vip:boolean,since:date,city\n"
        csv.reserveCapacity(contacts * 90)
        let cities = ["São Paulo", "Recife", "Porto Alegre", "Belém"]
        for index in 0..<contacts {
            csv += "user\(index)@example.com,User \(index),\(index % 5 == 0 ? "confirmed" : "pending"),bench;t\(index % 10),"
            csv += "\(18 + index % 60),\(index % 2 == 0),2024-0\(1 + index % 9)-1\(index % 10),\(cities[index % cities.count])\n"
        }
        let bytes = Array(csv.utf8)
        let started = ContinuousClock.now
        let report = try await ImportContacts(store: store).run(csv: bytes, mode: .upsert, evidence: "bench")
        let elapsed = ContinuousClock.now - started
        guard report.created == contacts, report.failed == 0 else {
            throw BenchError("the import created \(report.created) of \(contacts) contacts, \(report.failed) rows failed: \(report.errors.prefix(3))")
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let name = contacts == 100_000 ? "contacts_import_100k_seconds" : "contacts_import_\(contacts)_seconds"
        emit("\(name) \(String(format: "%.2f", seconds))")
        emit("contacts_import_rows_per_second \(Int((Double(contacts) / seconds).rounded()))")
    }
}
