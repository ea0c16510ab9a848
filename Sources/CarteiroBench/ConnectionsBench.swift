import ArgumentParser
import Foundation
import Logging

/// `carteiro bench connections`: what a `carteiro serve --roles chat` it starts keeps after
/// WebSocket connections close, and what an idle connection costs while open.
///
/// - idle: `--idle` connections held open at once, first without hello, then each welcomed
///   into a conversation: the server's resident set (and heap) grown per connection;
/// - rounds: `--rounds` rounds of `--connections` connections opened and closed (every
///   `--hello-every`-th one says hello first); after each, once the server had `--settle-seconds`,
///   its heap in use, resident set and open descriptors. Rounds after the first must not grow.
struct ConnectionsBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connections",
        abstract: "Benchmark chat connections' memory: rounds opened and closed, and the memory per idle connection.")

    @Option(help: "Rounds of connections opened and closed.")
    var rounds = 3

    @Option(help: "Connections opened and closed per round.")
    var connections = 10_000

    @Option(help: "Connections being opened at once.")
    var concurrency = 200

    @Option(name: .customLong("hello-every"), help: "Every n-th connection of a round says hello before closing (0: none).")
    var helloEvery = 2

    @Option(help: "Connections held open at once to measure the memory per idle connection (0: skip).")
    var idle = 2_000

    @Option(
        name: .customLong("settle-seconds"),
        help: "Time the server is given after each round before it is measured (past hummingbird-websocket's 30 s auto-ping sleeps).")
    var settleSeconds = 35.0

    @Option(help: "The bot file the server loads.")
    var bot = "bots/support.yml"

    @Option(name: .customLong("server-arg"), help: "Extra argument for the server's `carteiro serve` (repeatable).")
    var serverArguments: [String] = []

    @Flag(help: "Keep the scratch folder (server log, SQLite store) and print its path.")
    var keep = false

    func validate() throws {
        guard rounds > 0, connections > 0, concurrency > 0, helloEvery >= 0, idle >= 0, settleSeconds >= 0 else {
            throw ValidationError(
                "--rounds, --connections and --concurrency must be positive; --hello-every, --idle and --settle-seconds not negative")
        }
        guard FileManager.default.fileExists(atPath: bot) else { throw ValidationError("no bot file at \(bot) (run from the project root)") }
    }

    func run() async throws {
        // A customer that never says hello is closed after the hello timeout: long enough here
        // for the idle ones to be measured.
        let server = try ChatBenchServer.start(
            name: "connections", bot: bot,
            arguments: ["--chat-hello-seconds", "600", "--chat-max-connections", "\(max(10_000, idle + 1_000))"] + serverArguments)
        var logger = Logger(label: "carteiro.bench.connections")
        logger.logLevel = .critical
        do {
            try await server.waitUntilReady(logger: logger)
            emit(
                "machine: \(ProcessInfo.processInfo.activeProcessorCount) cores; server: carteiro serve --roles chat on 127.0.0.1:\(server.port), embedded SQLite, bot \(bot)"
            )
            try await measure(server: server, logger: logger)
        } catch {
            await server.stop(keep: keep)
            throw BenchError("\(error); \(server.logTail())")
        }
        let exit = await server.stop(keep: keep)
        emit("server: peak RSS \(exit.peakRSSBytes / 1_048_576) MB, CPU \(String(format: "%.1f", exit.cpuSeconds)) s")
    }

    private func measure(server: ChatBenchServer, logger: Logger) async throws {
        let settle = Duration.seconds(settleSeconds)
        // Whatever the first connections set up once (the bot's first answers, SQLite's statements).
        let warmUp = await ConnectionChurn(url: server.chatURL, helloEvery: 1, logger: logger).run(count: 100, concurrency: 20)
        try check(warmUp, "warm-up")
        try await Task.sleep(for: settle)
        let start = server.sample()
        report(start, as: "at_start")

        if idle > 0 {
            for (helloEvery, name) in [(0, "kb_per_idle_connection_before_hello"), (1, "kb_per_idle_connection")] {
                let churn = ConnectionChurn(url: server.chatURL, helloEvery: helloEvery, logger: logger)
                let before = server.sample()
                let (held, failed) = await churn.withHeld(count: idle, concurrency: concurrency) { failed in (server.sample(), failed) }
                guard failed == 0 else { throw BenchError("\(failed) of \(idle) idle connections failed to open") }
                emit(String(format: "%@ %.1f", name, Double(held.residentBytes - before.residentBytes) / 1024 / Double(idle)))
                if let heldHeap = held.heapAllocatedBytes, let beforeHeap = before.heapAllocatedBytes {
                    emit(String(format: "heap_%@ %.1f", name, Double(heldHeap - beforeHeap) / 1024 / Double(idle)))
                }
                try await Task.sleep(for: settle)
            }
            report(server.sample(), as: "after_idle")
        }

        var first: ChatBenchServer.Sample?
        var last = start
        for round in 1...rounds {
            let churn = ConnectionChurn(url: server.chatURL, helloEvery: helloEvery, logger: logger)
            let outcome = await churn.run(count: connections, concurrency: concurrency)
            try check(outcome, "round \(round)")
            emit(String(format: "connections_per_second_round_%d %.0f", round, Double(outcome.opened) / outcome.seconds))
            try await Task.sleep(for: settle)
            last = server.sample()
            report(last, as: "after_round_\(round)")
            if first == nil { first = last }
        }
        if let first, rounds > 1 {
            if let lastHeap = last.heapAllocatedMegabytes, let firstHeap = first.heapAllocatedMegabytes {
                emit(String(format: "heap_growth_after_round_1_mb %.2f", lastHeap - firstHeap))
            }
            if let lastSQLite = last.sqliteMegabytes, let firstSQLite = first.sqliteMegabytes {
                // The embedded store's page caches fill as conversations are stored, up to their bounds.
                emit(String(format: "sqlite_cache_growth_after_round_1_mb %.2f", lastSQLite - firstSQLite))
            }
            emit(String(format: "rss_growth_after_round_1_mb %.1f", last.residentMegabytes - first.residentMegabytes))
            emit(
                String(
                    format: "heap_bytes_left_per_connection_after_round_1 %.0f",
                    Double((last.heapAllocatedBytes ?? 0) - (first.heapAllocatedBytes ?? 0)) / Double(connections * (rounds - 1))))
            emit(
                String(
                    format: "heap_outside_sqlite_bytes_left_per_connection_after_round_1 %.0f",
                    Double((last.heapOutsideSQLiteBytes ?? 0) - (first.heapOutsideSQLiteBytes ?? 0)) / Double(connections * (rounds - 1))))
        }
    }

    private func report(_ sample: ChatBenchServer.Sample, as suffix: String) {
        if let heap = sample.heapAllocatedMegabytes { emit(String(format: "heap_%@_mb %.2f", suffix, heap)) }
        if let sqlite = sample.sqliteMegabytes { emit(String(format: "sqlite_%@_mb %.2f", suffix, sqlite)) }
        emit(String(format: "rss_%@_mb %.1f", suffix, sample.residentMegabytes))
        emit("fds_\(suffix) \(sample.descriptors)")
    }

    private func check(_ outcome: ConnectionChurn.Outcome, _ what: String) throws {
        try outcome.check(what)
    }
}
