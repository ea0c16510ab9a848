import CarteiroDomain
import CarteiroServer
import CarteiroStore
import CarteiroTesting
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Prometheus
import Testing

@Suite struct HealthRoutesTests {
    private func withRuntime(_ body: (CarteiroRuntime, SQLiteStore) async throws -> Void) async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let store = try SQLiteStore(configuration: .inDirectory(folder.path))
        let configuration = try ServerConfiguration(port: 0, dataDirectory: folder.path)
        let runtime = CarteiroRuntime(configuration: configuration, store: store, registry: PrometheusCollectorRegistry(), logger: Logger(label: "test"))
        try await body(runtime, store)
        await store.close()
    }

    @Test func healthAnswersOK() async throws {
        try await withRuntime { runtime, _ in
            try await runtime.makeApplication().test(.router) { client in
                try await client.execute(uri: "/health", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(String(buffer: response.body).contains("\"ok\""))
                }
            }
        }
    }

    @Test func readyIs200WhileTheStoreAnswersAnd503WithAReasonOnceItDoesNot() async throws {
        try await withRuntime { runtime, store in
            try await runtime.makeApplication().test(.router) { client in
                try await client.execute(uri: "/ready", method: .get) { response in
                    #expect(response.status == .ok)
                }
                await store.close()
                try await client.execute(uri: "/ready", method: .get) { response in
                    #expect(response.status == .serviceUnavailable)
                    #expect(response.headers[.contentType] == "application/json")
                    let body = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: String]
                    #expect(body?["status"] == "unavailable")
                    #expect(body?["reason"]?.contains("sqlite:") == true)
                }
            }
        }
    }

    /// A store that answers reads but refuses writes is not ready. The store is opened read-only
    /// the way SQLite opens a file the process may not write (`chmod a-w`, a read-only mount):
    /// tests run as root, whom file permissions do not stop.
    @Test func readyIs503WhenTheStoreAnswersButCannotBeWritten() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        await (try SQLiteStore(configuration: .inDirectory(folder.path))).close()
        let store = try SQLiteStore(configuration: .readOnly(inDirectory: folder.path))
        try await store.ping()
        let configuration = try ServerConfiguration(port: 0, dataDirectory: folder.path)
        let runtime = CarteiroRuntime(
            configuration: configuration, store: store, registry: PrometheusCollectorRegistry(), logger: Logger(label: "test"))
        try await runtime.makeApplication().test(.router) { client in
            try await client.execute(uri: "/ready", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                let body = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: String]
                #expect(body?["status"] == "unavailable")
                #expect(body?["reason"]?.contains("cannot be written") == true, "\(body ?? [:])")
            }
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .ok, "the process itself is alive")
            }
        }
        await store.close()
    }

    @Test func metricsArePrometheusText() async throws {
        let registry = PrometheusCollectorRegistry()
        registry.makeCounter(descriptor: .init(namespace: "carteiro", metricName: "test", unitName: "total", helpText: "a test counter")).increment(by: Int64(3))
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let store = try SQLiteStore(configuration: .inDirectory(folder.path))
        let runtime = CarteiroRuntime(
            configuration: try ServerConfiguration(port: 0, dataDirectory: folder.path), store: store, registry: registry, logger: Logger(label: "test"))
        try await runtime.makeApplication().test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
                #expect(String(buffer: response.body).contains("carteiro_test_total 3"))
            }
        }
        await store.close()
    }
}

@Suite struct ConfigurationTests {
    // `all` means every role this build can run: api, scheduler and inbox are refused until
    // they exist (issue 13), so a list naming one of them is now an error.
    @Test func rolesParseFromACommaListAndAllMeansEveryAvailableRole() throws {
        #expect(try Role.parseList("worker, chat") == [.worker, .chat])
        #expect(try Role.parseList("all") == Role.available)
        // An empty list names no role: it used to mean all of them (issue 14).
        #expect(throws: ConfigurationError.self) { try Role.parseList("") }
        let error = #expect(throws: ConfigurationError.self) { try Role.parseList("worker,mailman") }
        #expect(error?.key == "roles")
        #expect(error?.message.contains("mailman") == true)
    }

    @Test func storeLocationDefaultsToSQLiteInTheDataFolder() throws {
        #expect(try StoreLocation.resolve(store: nil, dataDirectory: "data") == .sqlite(path: URL(fileURLWithPath: "data/carteiro.sqlite").path))
        #expect(try StoreLocation.resolve(store: "mongodb://db:27017/carteiro", dataDirectory: "x") == .mongodb(uri: "mongodb://db:27017/carteiro"))
        #expect(try StoreLocation.resolve(store: "sqlite:data/c.sqlite", dataDirectory: "x") == .sqlite(path: "data/c.sqlite"))
        #expect(throws: ConfigurationError.self) { try StoreLocation.resolve(store: "postgres://db", dataDirectory: "x") }
    }

    @Test func credentialsAreMaskedInTheStoreDescription() {
        #expect(StoreLocation.redact("mongodb://carteiro:s3cr3t@db:27017/x") == "mongodb://carteiro:***@db:27017/x")
        #expect(StoreLocation.mongodb(uri: "mongodb://u:p@h/x").description == "mongodb://u:***@h/x")
        #expect(StoreLocation.redact("mongodb://db:27017/x") == "mongodb://db:27017/x")
    }

    @Test func invalidPortAndLogLevelAreRefused() {
        #expect(throws: ConfigurationError.self) { try ServerConfiguration(port: 70000) }
        #expect(throws: ConfigurationError.self) { try ServerConfiguration(logLevel: "loud") }
    }
}
