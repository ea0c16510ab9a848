import ArgumentParser
import Foundation
import Logging
import Synchronization

/// `carteiro bench soak`: a `carteiro serve --roles chat` it starts takes `--connections` customer
/// connections over a few minutes, `--held` open at a time (each held about `--hold-ms`); its
/// resident set and open descriptors before, at their peak during, and after (once it had
/// `--settle-seconds`). The goal: back within 10 % of where it started.
struct SoakBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soak",
        abstract: "Soak the chat with connections opened and closed; the server's memory and descriptors before, during and after.")

    @Option(help: "Connections opened and closed in all.")
    var connections = 100_000

    @Option(help: "Connections open at a time.")
    var held = 2_000

    @Option(name: .customLong("hold-ms"), help: "How long each connection is held open, on average (each between half and one and a half of it).")
    var holdMilliseconds = 1_000

    @Option(name: .customLong("hello-every"), help: "Every n-th connection says hello before it is held (0: none).")
    var helloEvery = 2

    @Option(name: .customLong("settle-seconds"), help: "Time the server is given after the last connection closed before it is measured.")
    var settleSeconds = 35.0

    @Option(help: "The bot file the server loads.")
    var bot = "bots/support.yml"

    @Option(name: .customLong("server-arg"), help: "Extra argument for the server's `carteiro serve` (repeatable).")
    var serverArguments: [String] = []

    @Flag(help: "Keep the scratch folder (server log, SQLite store) and print its path.")
    var keep = false

    func validate() throws {
        guard connections > 0, held > 0, holdMilliseconds >= 0, helloEvery >= 0, settleSeconds >= 0 else {
            throw ValidationError("--connections and --held must be positive; --hold-ms, --hello-every and --settle-seconds not negative")
        }
        guard FileManager.default.fileExists(atPath: bot) else { throw ValidationError("no bot file at \(bot) (run from the project root)") }
    }

    func run() async throws {
        let server = try ChatBenchServer.start(name: "soak", bot: bot, arguments: serverArguments)
        var logger = Logger(label: "carteiro.bench.soak")
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
        let churn = ConnectionChurn(url: server.chatURL, helloEvery: helloEvery, logger: logger)
        // Whatever the first connections set up once (the bot's first answers, SQLite's statements).
        try await churn.run(count: 100, concurrency: 20).check("warm-up")
        try await Task.sleep(for: .seconds(settleSeconds))
        let before = server.sample()
        emit(String(format: "rss_before_mb %.1f", before.residentMegabytes))
        emit("fds_before \(before.descriptors)")

        let peak = Peak(before)
        let hold = Double(holdMilliseconds) / 1000
        let outcome = await withTaskGroup(of: ConnectionChurn.Outcome?.self) { group in
            group.addTask {
                // Samples once a second while the load runs; progress every 10,000 connections.
                while !Task.isCancelled {
                    let sample = server.sample()
                    peak.record(sample)
                    try? await Task.sleep(for: .seconds(1))
                }
                return nil
            }
            group.addTask {
                await churn.run(
                    count: connections, concurrency: held, hold: { .seconds(hold * Double.random(in: 0.5...1.5)) },
                    opened: { done in
                        guard done % 10_000 == 0 else { return }
                        let sample = server.sample()
                        emit(String(format: "  %6d connections: rss %.1f MB, %d descriptors", done, sample.residentMegabytes, sample.descriptors))
                    })
            }
            let outcome = await group.next()!!
            group.cancelAll()
            return outcome
        }
        try outcome.check("soak")
        let (peakResident, peakDescriptors) = peak.values
        emit(String(format: "rss_peak_mb %.1f", Double(peakResident) / 1_048_576))
        emit("fds_peak \(peakDescriptors)")
        emit(String(format: "connections_per_second %.0f", Double(outcome.opened) / outcome.seconds))
        try await Task.sleep(for: .seconds(settleSeconds))
        let after = server.sample()
        emit(String(format: "rss_after_mb %.1f", after.residentMegabytes))
        emit("fds_after \(after.descriptors)")
        emit(String(format: "rss_after_over_before %.2f  (goal ≤ 1.10)", after.residentMegabytes / before.residentMegabytes))
        if let heapBefore = before.heapAllocatedMegabytes, let heapAfter = after.heapAllocatedMegabytes {
            emit(String(format: "heap_before_mb %.2f", heapBefore))
            emit(String(format: "heap_after_mb %.2f", heapAfter))
        }
        if let sqliteBefore = before.sqliteMegabytes, let sqliteAfter = after.sqliteMegabytes {
            // The store's page caches, filled by the conversations stored (bounded by
            // --sqlite-cache-mb and 2 MB per reader): resident by design.
            emit(String(format: "sqlite_cache_before_mb %.2f", sqliteBefore))
            emit(String(format: "sqlite_cache_after_mb %.2f", sqliteAfter))
            emit(
                String(
                    format: "rss_after_less_sqlite_cache_growth_over_before %.2f",
                    (after.residentMegabytes - (sqliteAfter - sqliteBefore)) / before.residentMegabytes))
        }
    }
}

/// The highest resident set and descriptor count seen.
private final class Peak: Sendable {
    private let state: Mutex<(resident: Int, descriptors: Int)>

    init(_ sample: ChatBenchServer.Sample) {
        state = Mutex((sample.residentBytes, sample.descriptors))
    }

    func record(_ sample: ChatBenchServer.Sample) {
        state.withLock { $0 = (max($0.resident, sample.residentBytes), max($0.descriptors, sample.descriptors)) }
    }

    var values: (resident: Int, descriptors: Int) { state.withLock { $0 } }
}
