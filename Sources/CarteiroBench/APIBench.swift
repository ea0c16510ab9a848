import ArgumentParser
import CarteiroAPI
import CarteiroConversations
import CarteiroDomain
import CarteiroServer
import CarteiroUseCases
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

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
        try await withBenchStore(store, logger: logger) { store in
            for section in sections { try await section(store) }
        }
    }

    @Option(help: "Rounds of the request figure; the ratio printed is the median of the rounds' ratios.")
    var rounds = 3

    @Option(help: "Seconds each load of a round runs.")
    var seconds = 3

    @Option(help: "Keep-alive connections of each load.")
    var connections = 16

    private var sections: [(any Store) async throws -> Void] { [measureImport, measureReads] }

    /// `GET /api/v1/contacts/{id}` (authentication, scope and schema checks, a store read, the
    /// generated encoder) against a bare Hummingbird route answering the same contact's JSON from
    /// memory, in the same process and server, the two loads alternating round by round.
    private func measureReads(_ store: any Store) async throws {
        guard let contact = try await store.contacts.list(page: try PageRequest(limit: 1)).items.first else {
            throw BenchError("no contact to read: the import section runs first")
        }
        let secret = "bench-" + UUID().uuidString
        try await store.accessTokens.create(
            try AccessToken(name: "bench", scope: .contacts, tokenHash: SecretToken.hash(secret), createdAt: Date()))
        var logger = Logger(label: "carteiro.bench.api")
        // The server's own shutdown, cancelled at the end, is not news.
        logger.logLevel = .critical
        let router = Router()
        try AdminAPI(store: store, logger: logger).register(on: router)
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let bare = ByteBuffer(bytes: try encoder.encode(BareContact(contact)))
        router.get("bench/bare/:id") { _, _ in Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: bare)) }

        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let application = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "bench"),
            onServerRunning: { channel in portSink.yield(channel.localAddress?.port ?? 0) }, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await application.runService(gracefulShutdownSignals: []) }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw BenchError("the server did not start") }
            var ratios: [Double] = []
            for round in 1...rounds {
                func load(_ path: String, _ headers: [(String, String)]) async throws -> Double {
                    try await HTTPLoad(host: "127.0.0.1", port: port, path: path, headers: headers, connections: connections, duration: .seconds(seconds))
                        .run(on: MultiThreadedEventLoopGroup.singleton)
                }
                let reference = try await load("/bench/bare/\(contact.id.rawValue)", [])
                let api = try await load("/api/v1/contacts/\(contact.id.rawValue)", [("Authorization", "Bearer \(secret)")])
                emit("round_\(round)_bare_route_requests_per_second \(Int(reference.rounded()))")
                emit("round_\(round)_api_get_contact_requests_per_second \(Int(api.rounded()))")
                ratios.append(api / reference)
            }
            emit("api_get_contact_over_bare_route \(String(format: "%.2f", ratios.sorted()[ratios.count / 2]))")
            group.cancelAll()
        }
    }

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

/// A contact as JSON, answered from memory by the reference route.
private struct BareContact: Encodable {
    let id: String
    let email: String
    let name: String?
    let locale: String
    let timezone: String
    let status: String
    let tags: [String]
    let attributes: [String: String]
    let createdAt: Date
    let updatedAt: Date
    let version: Int

    init(_ contact: Contact) {
        id = contact.id.rawValue
        email = contact.email.value
        name = contact.name
        locale = contact.locale
        timezone = contact.timezone
        status = contact.status.rawValue
        tags = contact.tags.sorted()
        attributes = contact.attributes.mapValues(\.csvText)
        createdAt = contact.createdAt
        updatedAt = contact.updatedAt
        version = contact.version
    }
}
