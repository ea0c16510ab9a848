import ArgumentParser
import CarteiroAPI
import CarteiroDomain
import CarteiroMail
import CarteiroUseCases
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// `carteiro bench tracking`: the open pixel `/t/o/TOKEN` (token check, the hit handed to the
/// batching recorder, the GIF) against a bare route answering the same GIF from memory, in the
/// same process and server, the two loads alternating round by round while the recorder writes
/// its batches as the `api` role does. Then every request answered must be an open in the store.
struct TrackingBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tracking", abstract: "Benchmark the open pixel against a bare route.")

    @Option(help: "mongodb://… or sqlite:PATH to measure; default: a new SQLite file in a temporary folder.")
    var store: String?

    @Option(help: "Rounds; the ratio printed is the median of the rounds' ratios.")
    var rounds = 3

    @Option(help: "Seconds each load of a round runs.")
    var seconds = 3

    @Option(help: "Keep-alive connections of each load.")
    var connections = 16

    func run() async throws {
        var logger = Logger(label: "carteiro.bench.tracking")
        logger.logLevel = .critical
        try await withBenchStore(store, logger: logger) { store in try await measure(store, logger: logger) }
    }

    private func measure(_ store: any Store, logger: Logger) async throws {
        let now = Date()
        let send = try await store.sends.insert(
            try Send(stream: .bulk, from: try EmailAddress("ofertas@bench.example"), subject: "Oferta", htmlBody: "<p>Oi</p>", textBody: nil, createdAt: now))
        let job = EmailJob(sendID: send.id, recipient: try EmailAddress("ana@bench.example"), stream: .bulk, dueAt: now, createdAt: now)
        _ = try await store.emailJobs.enqueue([job], events: [])
        let links = MailLinks(publicURL: "http://127.0.0.1", signer: LinkSigner(secret: Array("bench-secret-bench-secret-bench!".utf8)))
        // Composed an hour ago: the opens are people's, as most are.
        let pixel = String(links.trackingTokens.openURL(jobID: job.id.rawValue, composedAt: now.addingTimeInterval(-3_600)).dropFirst("http://127.0.0.1".count))

        let recorder = EngagementRecorder(store: store)
        let router = Router()
        EngagementRoutes(store: store, links: links, recorder: recorder, logger: logger).register(on: router)
        let gif = ByteBuffer(bytes: EngagementRoutes.pixel)
        router.get("bench/bare") { _, _ in Response(status: .ok, headers: [.contentType: "image/gif"], body: .init(byteBuffer: gif)) }

        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let application = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "bench"),
            onServerRunning: { channel in portSink.yield(channel.localAddress?.port ?? 0) }, logger: logger)
        let flusher = EngagementFlushService(recorder: recorder, logger: logger)
        var sent = 0
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await application.runService(gracefulShutdownSignals: []) }
            group.addTask { try await flusher.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw BenchError("the server did not start") }
            var ratios: [Double] = []
            for round in 1...rounds {
                func load(_ path: String) async throws -> (answers: Int, seconds: Double) {
                    try await HTTPLoad(
                        host: "127.0.0.1", port: port, path: path, headers: [("User-Agent", "Mozilla/5.0 (Windows NT 10.0) Thunderbird/128.0")],
                        connections: connections, duration: .seconds(seconds)
                    ).measure(on: MultiThreadedEventLoopGroup.singleton)
                }
                let reference = try await load("/bench/bare")
                let tracked = try await load(pixel)
                sent += tracked.answers
                let referenceRate = Double(reference.answers) / reference.seconds
                let trackedRate = Double(tracked.answers) / tracked.seconds
                emit("round_\(round)_bare_route_requests_per_second \(Int(referenceRate.rounded()))")
                emit("round_\(round)_open_pixel_requests_per_second \(Int(trackedRate.rounded()))")
                ratios.append(trackedRate / referenceRate)
            }
            emit("tracking_ratio \(String(format: "%.2f", ratios.sorted()[ratios.count / 2]))")
            group.cancelAll()
        }
        try await recorder.flush()
        let recorded = try await store.engagement.count()
        emit("tracking_requests_answered \(sent)")
        emit("tracking_opens_recorded \(recorded)")
        guard recorded == sent else { throw BenchError("\(sent) pixel requests were answered but \(recorded) opens were recorded") }
    }
}
