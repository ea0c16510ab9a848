import ArgumentParser
import CarteiroDelivery
import CarteiroDomain
import CarteiroMail
import CarteiroMIME
import CarteiroServer
import CarteiroStore
import CarteiroUseCases
import Foundation
import Logging
import Synchronization

/// `carteiro bench delivery`: how fast mail leaves, against local sinks.
///
/// - throughput: Postfix's smtp-source (the SMTP protocol limit on this machine), Carteiro's
///   SMTP transport alone (pre-built messages, no store), and the whole `carteiro send` pipeline
///   (SQLite, durable jobs and outcomes), all against one smtp-sink, with their ratios.
/// - scaling: `carteiro send --concurrency N` and N `carteiro serve --roles worker` processes on
///   one nx-27017 store, against a sink that answers each DATA after a delay.
/// - memory: the peak resident set of `carteiro send` for a very large list.
///
/// Run it from the project root (it uses `.venv/` and `bench/delayed-sink.py`), as root or not.
struct DeliveryBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delivery", abstract: "Benchmark sending mail, from the SMTP protocol to the full pipeline.")

    enum Section: String, CaseIterable, ExpressibleByArgument {
        case throughput, scaling, memory
    }

    @Option(help: "Sections to run (repeatable): throughput, scaling, memory. Default: all.")
    var section: [Section] = []

    @Option(help: "Messages for each throughput figure.")
    var messages = 20_000

    @Option(help: "Rounds of the transport and pipeline figures, alternating; their ratio is the median of the rounds'.")
    var rounds = 3

    @Option(help: "Approximate size of each message in bytes.")
    var size = 2_048

    @Option(help: "SMTP connections for the throughput figures.")
    var connections = 8

    @Option(name: .customLong("data-delay-ms"), help: "How long the scaling sink waits before answering each DATA.")
    var dataDelayMilliseconds = 20

    @Option(help: "Concurrencies for the in-process scaling rows.")
    var concurrencies: [Int] = [1, 8, 32, 128]

    @Option(name: .customLong("concurrency-messages"), help: "Messages for each in-process scaling row, in the order of --concurrencies.")
    var concurrencyMessages: [Int] = [500, 3_000, 8_000, 12_000]

    @Option(name: .customLong("worker-processes"), help: "Worker process counts for the scale-out rows.")
    var workerProcesses: [Int] = [1, 2, 4]

    @Option(name: .customLong("worker-messages"), help: "Messages for each scale-out row.")
    var workerMessages = 4_000

    @Option(name: .customLong("worker-connections"), help: "Relay connections of each worker process.")
    var workerConnections = 32

    @Option(name: .customLong("memory-recipients"), help: "Recipients of the peak-memory send.")
    var memoryRecipients = 1_000_000

    @Flag(help: "Keep the scratch folder (logs, stores, lists) and print its path.")
    var keep = false

    @Option(help: "Python with aiosmtpd, for the scaling sink.")
    var python = ".venv/bin/python"

    @Option(name: .customLong("nx-27017"), help: "The nx-27017 MongoDB wire server.")
    var nx27017 = ".venv/bin/nx-27017"

    @Option(name: .customLong("smtp-sink"), help: "Postfix's smtp-sink.")
    var smtpSink = "/usr/sbin/smtp-sink"

    @Option(name: .customLong("smtp-source"), help: "Postfix's smtp-source.")
    var smtpSource = "/usr/sbin/smtp-source"

    @Option(name: .customLong("sink-script"), help: "The delayed SMTP sink.")
    var sinkScript = "bench/delayed-sink.py"

    func run() async throws {
        var logger = Logger(label: "carteiro.bench")
        logger.logLevel = .warning
        let sections = section.isEmpty ? Section.allCases : section
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("carteiro-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer {
            if keep { emit("kept: \(folder.path)") } else { try? FileManager.default.removeItem(at: folder) }
        }
        let bench = Workbench(folder: folder, carteiro: URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path, logger: logger)
        emit("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores; carteiro: \(bench.carteiro)")
        if sections.contains(.throughput) { try await throughput(bench) }
        if sections.contains(.scaling) { try await scaling(bench) }
        if sections.contains(.memory) { try await memory(bench) }
    }

    // MARK: Throughput

    private func throughput(_ bench: Workbench) async throws {
        let sink = try await startSMTPSink(bench, name: "throughput")
        try await stopping(sink.process) { try await throughput(bench, sink: sink) }
    }

    private func throughput(_ bench: Workbench, sink: SMTPSinkProcess) async throws {
        emit("")
        emit("throughput: \(messages) messages of ~\(size) bytes, \(connections) connections, to smtp-sink on 127.0.0.1:\(sink.port)")
        let csv = try bench.recipientCSV(count: messages)

        // 1. The protocol limit: smtp-source with -d keeps each of its -s sessions open and sends
        // message after message on it, as Carteiro does.
        var sinkCPU = BenchProcess.cpuSeconds(of: sink.process.pid) ?? 0
        func sinkCPUSince() -> Double {
            let now = BenchProcess.cpuSeconds(of: sink.process.pid) ?? 0
            defer { sinkCPU = now }
            return now - sinkCPU
        }
        let source = try BenchProcess(
            smtpSource,
            [
                "-d", "-s", "\(connections)", "-m", "\(messages)", "-l", "\(size)", "-f", "bench@isp.example", "-t", "rcpt@example.com",
                "127.0.0.1:\(sink.port)",
            ],
            errors: bench.path("smtp-source.log"))
        let sourceExit = await source.wait()
        guard sourceExit.status == 0 else { throw BenchError("smtp-source failed (\(sourceExit.status)): \(bench.tail("smtp-source.log"))") }
        let protocolRate = Double(messages) / sourceExit.seconds
        emit(
            "1 protocol limit   smtp-source -d -s \(connections) (reused connections): \(rate(protocolRate)) msg/s  (\(seconds(sourceExit.seconds)); "
                + "CPU per message: smtp-source \(micros(sourceExit.cpuSeconds)), sink \(micros(sinkCPUSince())))")

        // Messages composed beforehand for the transport figures (2 and 2').
        let composed = try composeMessages(count: messages)
        let averageSize = composed.reduce(0) { $0 + $1.bytes.count } / max(1, composed.count)
        let lanes = DeliveryWorker.Configuration.defaultParallelBatches(relays: 1, connections: connections)
        let batchSize = DeliveryWorker.Configuration.defaultBatchSize
        // The same acceptance alone (--queue-only) tells the pipeline's sending CPU apart.
        let acceptance = try await bench.send(
            ["--to-file", csv, "--queue-only", "--data-dir", bench.freshFolder("acceptance")], bodyBytes: size, name: "acceptance")

        // 2 and 3 alternate, round after round, and their ratio is the median of the rounds'
        // ratios: on a shared machine one figure alone can land in a slow second.
        var transportRates: [Double] = []
        var pipelineRates: [Double] = []
        for round in 1...rounds {
            let label = rounds > 1 ? " [round \(round)/\(rounds)]" : ""
            // 2. Carteiro's transport alone: messages composed beforehand, no store, driven as
            // the worker drives it (batches of 200, as many in flight as `carteiro send` keeps).
            _ = sinkCPUSince()
            let transportCost = try await deliver(composed, port: sink.port, lanes: lanes, batchSize: batchSize, bench: bench)
            transportRates.append(Double(messages) / transportCost.seconds)
            emit(
                "2 transport\(label)  SMTPRelayTransport, \(connections) connections, pre-built \(averageSize)-byte messages, \(lanes) batches of \(batchSize) in flight: "
                    + "\(rate(transportRates.last!)) msg/s  (\(seconds(transportCost.seconds)); CPU per message: carteiro \(micros(transportCost.cpuSeconds)), "
                    + "sink \(micros(sinkCPUSince())))")

            // 3. The pipeline: a fresh embedded store, every job written before sending, every
            // outcome recorded.
            _ = sinkCPUSince()
            let result = try await bench.send(
                [
                    "--to-file", csv, "--relay", "smtp://127.0.0.1:\(sink.port)?connections=\(connections)", "--data-dir",
                    bench.freshFolder("pipeline-\(round)"),
                ],
                bodyBytes: size, name: "pipeline-\(round)")
            pipelineRates.append(Double(result.sent) / result.seconds)
            emit(
                "3 pipeline\(label)   carteiro send, SQLite, \(connections) connections: \(rate(pipelineRates.last!)) msg/s  (sending \(seconds(result.seconds)); "
                    + "CPU per message: carteiro \(micros(result.exit.cpuSeconds - acceptance.exit.cpuSeconds)) sending + \(micros(acceptance.exit.cpuSeconds)) accepting, "
                    + "sink \(micros(sinkCPUSince())); accepting took \(seconds(result.acceptSeconds)), "
                    + "\(rate(Double(result.sent) / result.exit.seconds)) msg/s from process start to exit; peak RSS \(megabytes(result.exit.peakRSSBytes)))"
            )
        }
        _ = sinkCPUSince()
        let capacityCost = try await deliver(composed, port: sink.port, lanes: 1, batchSize: composed.count, bench: bench)
        let capacityRate = Double(messages) / capacityCost.seconds
        emit(
            "2' transport       the same, all \(messages) in one call (its capacity): \(rate(capacityRate)) msg/s  (\(seconds(capacityCost.seconds)); "
                + "CPU per message: carteiro \(micros(capacityCost.cpuSeconds)), sink \(micros(sinkCPUSince())))")

        let ratios = zip(pipelineRates, transportRates).map { $0 / $1 }
        let transportRate = median(transportRates)
        let pipelineRate = median(pipelineRates)
        emit(
            "ratio 3/2 pipeline/transport: \(ratio(median(ratios)))  (median of \(rounds) rounds: \(ratios.map(ratio).joined(separator: ", ")); "
                + "required >= 0.70, goal >= 0.90); 3/2' \(ratio(pipelineRate / capacityRate))"
        )
        emit(
            "medians: transport \(rate(transportRate)) msg/s, pipeline \(rate(pipelineRate)) msg/s; ratio 2/1 transport/protocol: "
                + "\(ratio(transportRate / protocolRate)); 2'/1 \(ratio(capacityRate / protocolRate))")
        try await phases(bench, transport: capacityCost)
    }

    /// The pipeline's phases one at a time in this process, on a fresh SQLite store, as the
    /// worker runs them (batches of 200, one claimer): where a message's time and CPU go.
    private func phases(_ bench: Workbench, transport: Meter.Reading) async throws {
        let store = try await StoreFactory.open(.sqlite(path: bench.freshFolder("phases") + "/carteiro.sqlite"), logger: bench.logger)
        do {
            let (send, jobs) = try makeJobs(count: messages)
            _ = try await store.sends.insert(send)
            var meter = Meter()
            for start in stride(from: 0, to: jobs.count, by: AcceptSend.enqueueChunk) {
                _ = try await store.emailJobs.enqueue(Array(jobs[start..<min(start + AcceptSend.enqueueChunk, jobs.count)]), events: [])
            }
            let enqueue = meter.read()
            meter = Meter()
            var claimed: [[EmailJob]] = []
            while true {
                let batch = try await store.emailJobs.claim(ClaimRequest(owner: "bench", limit: 200, leaseDuration: .seconds(600), now: Date()))
                if batch.isEmpty { break }
                claimed.append(batch)
            }
            let claim = meter.read()
            let catalog = SendCatalog(sends: store.sends, makeComposer: SendCatalog.plainComposer())
            meter = Meter()
            var bytes = 0
            for batch in claimed {
                for job in batch {
                    let content = try await catalog.content(for: job.sendID)
                    bytes += try content.composer.compose(job, template: content.template).bytes.count
                }
            }
            let compose = meter.read()
            meter = Meter()
            for batch in claimed {
                _ = try await store.emailJobs.record(
                    batch.map { EmailJobOutcome(jobID: $0.id, leaseToken: $0.lease?.token ?? "", result: .sent(relay: "bench")) }, at: Date())
            }
            let record = meter.read()
            await store.close()
            guard claimed.reduce(0, { $0 + $1.count }) == messages, bytes > 0 else {
                throw BenchError("phases: claimed \(claimed.count) batches")
            }
            func cost(_ reading: Meter.Reading) -> String { "\(micros(reading.seconds))/\(micros(reading.cpuSeconds))" }
            emit(
                "phases alone, per message, wall/CPU: enqueue \(cost(enqueue)) (not in 3), claim \(cost(claim)), compose \(cost(compose)), "
                    + "deliver \(cost(transport)), record \(cost(record)); claim+compose+record CPU \(micros(claim.cpuSeconds + compose.cpuSeconds + record.cpuSeconds))"
            )
        } catch {
            await store.close()
            throw error
        }
    }

    /// Delivers `messages` through a fresh transport, `lanes` tasks each handing over `batchSize`
    /// messages at a time and awaiting them; every message must be accepted.
    private func deliver(_ messages: [ComposedMessage], port: Int, lanes: Int, batchSize: Int, bench: Workbench) async throws -> Meter.Reading {
        let transport = try RelayURL.parse("smtp://127.0.0.1:\(port)?connections=\(connections)").makeTransport(name: "bench", logger: bench.logger)
        let cursor = BatchCursor()
        let meter = Meter()
        let rejected = await withTaskGroup(of: [TransportOutcome].self, returning: [TransportOutcome].self) { group in
            for _ in 0..<lanes {
                group.addTask {
                    var rejected: [TransportOutcome] = []
                    while true {
                        let start = cursor.take(batchSize)
                        guard start < messages.count else { return rejected }
                        rejected += await transport.deliver(Array(messages[start..<min(start + batchSize, messages.count)])).filter {
                            $0 != .accepted
                        }
                    }
                }
            }
            return await group.reduce(into: []) { $0 += $1 }
        }
        let reading = meter.read()
        await transport.shutdown()
        guard rejected.isEmpty else { throw BenchError("the transport refused \(rejected.count) of \(messages.count): \(rejected[0])") }
        return reading
    }

    private func makeJobs(count: Int) throws -> (Send, [EmailJob]) {
        let now = Date()
        let send = try Send(
            stream: .bulk, from: try EmailAddress("ofertas@isp.example"), fromName: "Provedor", subject: "Oi {{name}}, seu plano {{plano}}",
            htmlBody: nil, textBody: Workbench.body(bytes: size), extraVariables: ["plano"], createdAt: now)
        let jobs = try (0..<count).map { index in
            EmailJob(
                sendID: send.id, recipient: try EmailAddress("user\(index)@example.com"), recipientName: "User \(index)", stream: .bulk,
                variables: ["plano": "Fibra \(index % 7)"], dueAt: now, createdAt: now)
        }
        return (send, jobs)
    }

    /// Messages as the pipeline composes them (same template, sender and size), made before timing.
    private func composeMessages(count: Int) throws -> [ComposedMessage] {
        let (send, jobs) = try makeJobs(count: count)
        let template = try MailTemplate(subject: send.subject, html: nil, text: send.textBody, extraVariables: ["plano"])
        let composer = try SendCatalog.plainComposer()(send)
        return try jobs.map { try composer.compose($0, template: template) }
    }

    // MARK: Scaling

    private func scaling(_ bench: Workbench) async throws {
        let sink = try await startDelayedSink(bench)
        try await stopping(sink.process) { try await scaling(bench, sink: sink) }
    }

    private func scaling(_ bench: Workbench, sink: DelayedSink) async throws {
        emit("")
        emit("scaling: sink answers each DATA after \(dataDelayMilliseconds) ms (aiosmtpd, one Python process), ~\(size)-byte messages")
        for (index, concurrency) in concurrencies.enumerated() {
            let count = index < concurrencyMessages.count ? concurrencyMessages[index] : concurrencyMessages.last ?? 1_000
            let before = sink.stats()
            let sinkCPUBefore = BenchProcess.cpuSeconds(of: sink.process.pid) ?? 0
            let result = try await bench.send(
                [
                    "--to-file", try bench.recipientCSV(count: count), "--relay", "smtp://127.0.0.1:\(sink.port)", "--concurrency", "\(concurrency)",
                    "--data-dir", bench.freshFolder("scaling-\(concurrency)"),
                ],
                bodyBytes: size, name: "scaling-\(concurrency)")
            let after = sink.stats()
            let sinkCPU = (BenchProcess.cpuSeconds(of: sink.process.pid) ?? 0) - sinkCPUBefore
            let ceiling = Double(concurrency) / (Double(dataDelayMilliseconds) / 1000)
            emit(
                "send --concurrency \(concurrency): \(rate(Double(result.sent) / result.seconds)) msg/s  (\(result.sent) in \(seconds(result.seconds)); "
                    + "latency ceiling \(rate(ceiling)) msg/s; at most \(after.maxConcurrentData) DATA waiting at the sink, "
                    + "\(after.connections - before.connections) connections; CPU while carteiro ran: carteiro \(busy(result.exit.cpuSeconds, result.exit.seconds)), "
                    + "sink \(busy(sinkCPU, result.exit.seconds)))"
            )
        }
        for processes in workerProcesses {
            try await scaleOut(bench, sink: sink, processes: processes)
        }
    }

    /// N worker processes on one nx-27017 store: the send is queued first (--queue-only), then
    /// the workers start; timed from their start until every job is final.
    private func scaleOut(_ bench: Workbench, sink: DelayedSink, processes: Int) async throws {
        let port = try BenchNetwork.freePort()
        let log = bench.path("nx-27017-\(processes).log")
        let server = try BenchProcess(
            nx27017, ["--db", "memory", "--host", "127.0.0.1", "-p", "\(port)", "--log-file", log, "--pid-file", bench.path("nx-\(processes).pid")],
            output: bench.path("nx-27017-\(processes).out"), errors: bench.path("nx-27017-\(processes).err"))
        try await stopping(server) {
            try await BenchNetwork.waitUntilListening(port: port, process: server, log: bench.path("nx-27017-\(processes).err"))
            try await scaleOut(bench, sink: sink, processes: processes, server: server, port: port)
        }
    }

    private func scaleOut(_ bench: Workbench, sink: DelayedSink, processes: Int, server: BenchProcess, port: Int) async throws {
        // nx-27017 answers reads at its own default concern only (a documented deviation).
        let uri = "mongodb://127.0.0.1:\(port)/carteiro_bench?readConcernLevel=local"
        // The workers start first, on the empty database, and are stopped (SIGSTOP) once ready;
        // the send is then accepted and they are let go together: timed from there.
        // Why not `carteiro send --queue-only` first: every carteiro process creates compound
        // paging indexes such as {_idx.status: 1, _id: 1}, which nx-27017 can build on an empty
        // collection only, and which then fail every insert and query ("JSON path error near '_id'").
        // So the workers build them first, they are dropped, and the send is accepted by `send
        // --queue-only`'s own code in this process, on a store opened without that index.
        var workers: [BenchProcess] = []
        for worker in 0..<processes {
            workers.append(
                try BenchProcess(
                    bench.carteiro,
                    [
                        "serve", "--roles", "worker", "--store", uri, "--relay", "smtp://127.0.0.1:\(sink.port)?connections=\(workerConnections)",
                        "--port", "0", "--data-dir", bench.freshFolder("worker-\(processes)-\(worker)"), "--log-level", "info",
                    ],
                    errors: bench.path("worker-\(processes)-\(worker).log")))
        }
        let store: MongoStore
        let accepted: Send
        let acceptSeconds: Double
        do {
            for (index, worker) in workers.enumerated() {
                try await bench.waitForLog("worker-\(processes)-\(index).log", containing: "listening", process: worker)
                worker.signal(SIGSTOP)
            }
            try await bench.run(python, ["-c", Self.dropCompoundIDIndexes, uri], name: "drop-indexes-\(processes)")
            store = try await MongoStore.connect(
                configuration: .init(uri: uri, concerns: MongoStore.concerns(fromURI: uri), compoundPagingIndexes: false), logger: bench.logger)
        } catch {
            for worker in workers { await worker.stop() }
            throw error
        }
        do {
            let request = SendRequest(
                from: try MailAddress("ofertas@isp.example", displayName: "Provedor"), subject: "Oi {{name}}, seu plano {{plano}}",
                textBody: try String(contentsOfFile: try bench.bodyFile(bytes: size), encoding: .utf8), htmlBody: nil,
                recipients: .csvFile(path: try bench.recipientCSV(count: workerMessages)))
            let meter = Meter()
            accepted = try await AcceptSend(store: store).accept(try AcceptSend.validate(request))
            acceptSeconds = meter.read().seconds
        } catch {
            for worker in workers { await worker.stop() }
            await store.close()
            throw error
        }
        let sendID = accepted.id
        let baseline = sink.stats().messages
        let start = ContinuousClock.now
        let serverCPUBefore = BenchProcess.cpuSeconds(of: server.pid) ?? 0
        let sinkCPUBefore = BenchProcess.cpuSeconds(of: sink.process.pid) ?? 0
        for worker in workers { worker.signal(SIGCONT) }
        // The sink's count first (free), then the store's (a query nx-27017 pays for) until all is recorded.
        let deadline = ContinuousClock.now + .seconds(600)
        var counts: [EmailJob.Status: Int] = [:]
        do {
            while sink.stats().messages - baseline < workerMessages {
                guard ContinuousClock.now < deadline, workers.allSatisfy(\.isRunning) else { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            counts = try await store.emailJobs.statusCounts(sendID: sendID)
            while (counts[.sent] ?? 0) + (counts[.failed] ?? 0) < workerMessages, ContinuousClock.now < deadline, workers.allSatisfy(\.isRunning) {
                try await Task.sleep(for: .milliseconds(50))
                counts = try await store.emailJobs.statusCounts(sendID: sendID)
            }
        } catch {
            for worker in workers { await worker.stop() }
            await store.close()
            throw error
        }
        let elapsed = (ContinuousClock.now - start).timeInterval
        let serverCPU = (BenchProcess.cpuSeconds(of: server.pid) ?? 0) - serverCPUBefore
        let sinkCPU = (BenchProcess.cpuSeconds(of: sink.process.pid) ?? 0) - sinkCPUBefore
        var exits: [BenchProcess.Exit] = []
        for worker in workers { exits.append(await worker.stop()) }
        await store.close()
        let finals = (counts[.sent] ?? 0) + (counts[.failed] ?? 0)
        guard finals == workerMessages else {
            throw BenchError(
                "\(processes) workers finished \(finals) of \(workerMessages) jobs: \(counts); \(bench.tail("worker-\(processes)-0.log"))")
        }
        emit(
            "serve --roles worker ×\(processes) on nx-27017: \(rate(Double(finals) / elapsed)) msg/s  (\(finals) in \(seconds(elapsed)) from their release; "
                + "queued in \(seconds(acceptSeconds)) = \(rate(Double(workerMessages) / acceptSeconds)) jobs/s; "
                + "CPU: nx-27017 \(busy(serverCPU, elapsed)), sink \(busy(sinkCPU, elapsed)), "
                + "workers \(exits.map { String(format: "%.1f", $0.cpuSeconds) }.joined(separator: "+")) s in all; workers' peak RSS \(exits.map { megabytes($0.peakRSSBytes) }.joined(separator: ", ")))"
        )
    }

    /// Drops every compound index that ends in `_id` (the paging indexes), in every collection.
    /// nx-27017 lists such an index under its own name, idx_<collection>_<fields>, ending in `__id`.
    private static let dropCompoundIDIndexes = """
        import pymongo, sys
        database = pymongo.MongoClient(sys.argv[1], directConnection=True).get_default_database()
        for name in database.list_collection_names():
            for index in database[name].list_indexes():
                if index["name"].endswith("__id"):
                    database[name].drop_index(index["name"])
        """

    // MARK: Memory

    private func memory(_ bench: Workbench) async throws {
        let sink = try await startSMTPSink(bench, name: "memory")
        try await stopping(sink.process) { try await memory(bench, sink: sink) }
    }

    private func memory(_ bench: Workbench, sink: SMTPSinkProcess) async throws {
        emit("")
        let csvStart = ContinuousClock.now
        let csv = try bench.recipientCSV(count: memoryRecipients)
        let csvBytes = (try? FileManager.default.attributesOfItem(atPath: csv)[.size] as? Int) ?? 0
        emit(
            "memory: \(memoryRecipients) recipients (\(megabytes(csvBytes)) CSV, written in \(seconds((ContinuousClock.now - csvStart).timeInterval))) to smtp-sink, \(connections) connections"
        )
        let queued = try await bench.send(
            ["--to-file", csv, "--queue-only", "--data-dir", bench.freshFolder("memory-queue")], bodyBytes: size, name: "memory-queue")
        emit(
            "carteiro send --queue-only peak RSS: \(megabytes(queued.exit.peakRSSBytes))  (accepted in \(seconds(queued.acceptSeconds)) = \(rate(Double(memoryRecipients) / queued.acceptSeconds)) jobs/s)"
        )
        _ = bench.freshFolder("memory-queue")
        let result = try await bench.send(
            ["--to-file", csv, "--relay", "smtp://127.0.0.1:\(sink.port)?connections=\(connections)", "--data-dir", bench.freshFolder("memory")],
            bodyBytes: size, name: "memory")
        emit(
            "carteiro send peak RSS: \(megabytes(result.exit.peakRSSBytes))  (limit 64 MB; \(result.sent) sent; accepted in \(seconds(result.acceptSeconds)), "
                + "sent in \(seconds(result.seconds)) = \(rate(Double(result.sent) / result.seconds)) msg/s; \(bench.cpu(result.exit)))")
    }

    // MARK: Sinks

    struct SMTPSinkProcess {
        let process: BenchProcess
        let port: Int
    }

    private func startSMTPSink(_ bench: Workbench, name: String) async throws -> SMTPSinkProcess {
        let port = try BenchNetwork.freePort()
        // Without -c: counting costs the sink a write per message; the clients count instead.
        let process = try BenchProcess(
            smtpSink, (getuid() == 0 ? ["-u", "nobody"] : []) + ["127.0.0.1:\(port)", "1000"], output: bench.path("smtp-sink-\(name).log"),
            errors: bench.path("smtp-sink-\(name).log"))
        try await BenchNetwork.waitUntilListening(port: port, process: process, log: bench.path("smtp-sink-\(name).log"))
        return SMTPSinkProcess(process: process, port: port)
    }

    struct DelayedSink {
        struct Stats: Decodable {
            var messages = 0
            var connections = 0
            var maxConcurrentData = 0

            enum CodingKeys: String, CodingKey {
                case messages, connections
                case maxConcurrentData = "max_concurrent_data"
            }
        }

        let process: BenchProcess
        let port: Int
        let statsFile: String

        func stats() -> Stats {
            guard let data = FileManager.default.contents(atPath: statsFile), let stats = try? JSONDecoder().decode(Stats.self, from: data) else {
                return Stats()
            }
            return stats
        }

    }

    private func startDelayedSink(_ bench: Workbench) async throws -> DelayedSink {
        guard FileManager.default.fileExists(atPath: sinkScript) else {
            throw BenchError("\(sinkScript) not found: run from the project root or give --sink-script")
        }
        let port = try BenchNetwork.freePort()
        let statsFile = bench.path("delayed-sink.json")
        let process = try BenchProcess(
            python, [sinkScript, "\(port)", "\(dataDelayMilliseconds)", statsFile], output: bench.path("delayed-sink.log"),
            errors: bench.path("delayed-sink.log"))
        try await BenchNetwork.waitUntilListening(port: port, process: process, log: bench.path("delayed-sink.log"))
        return DelayedSink(process: process, port: port, statsFile: statsFile)
    }

    // MARK: Formatting

    private func rate(_ value: Double) -> String { String(Int(value.rounded())) }
    private func seconds(_ value: Double) -> String { String(format: "%.2f s", value) }
    private func ratio(_ value: Double) -> String { String(format: "%.2f", value) }
    private func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
    /// CPU seconds and the share of one core they are over `seconds`.
    private func busy(_ cpu: Double, _ seconds: Double) -> String {
        String(format: "%.1f s = %.0f%% of a core", cpu, 100 * cpu / max(0.001, seconds))
    }
    /// Microseconds per message of a total over the throughput run's messages.
    private func micros(_ total: Double) -> String { "\(Int((total / Double(max(1, messages)) * 1e6).rounded())) µs" }
}

/// Hands out consecutive ranges of a message list to concurrent lanes.
private final class BatchCursor: Sendable {
    private let next = Atomic<Int>(0)
    /// The start of the next `count` messages.
    func take(_ count: Int) -> Int { next.add(count, ordering: .relaxed).oldValue }
}

/// Wall time and this process's CPU time (every thread's) since it was made.
struct Meter {
    struct Reading {
        let seconds: Double
        let cpuSeconds: Double
    }

    private let start = ContinuousClock.now
    private let cpuStart = Meter.processCPU()

    func read() -> Reading { Reading(seconds: (ContinuousClock.now - start).timeInterval, cpuSeconds: Meter.processCPU() - cpuStart) }

    static func processCPU() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
}

/// Decimal megabytes (10^6 bytes), the stricter reading of a limit in MB.
func megabytes(_ bytes: Int) -> String { String(format: "%.1f MB", Double(bytes) / 1e6) }

/// The benchmark's scratch folder, the carteiro binary and the files they share.
struct Workbench {
    let folder: URL
    let carteiro: String
    let logger: Logger

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    func freshFolder(_ name: String) -> String {
        let url = folder.appendingPathComponent(name)
        try? FileManager.default.removeItem(at: url)
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }

    /// A plain-ASCII body template of about `bytes` bytes once the headers are added, personalised
    /// as a marketing message is: a greeting with the name and one line with the plan.
    static func body(bytes: Int) -> String {
        var text = "Olá {{name}},\n\nO seu plano {{plano}} ficou mais rápido este mês, pelo mesmo preço.\n\n"
        let filler = "Fibra óptica até a sua casa, Wi-Fi 6 incluído e suporte 24 horas por dia, sete dias por semana.\n"
        let target = max(100, bytes - 520)
        while text.utf8.count + filler.utf8.count <= target { text += filler }
        return text + "\nAté breve,\nEquipe Provedor\n"
    }

    /// email,name,plano rows, written once per count and reused.
    func recipientCSV(count: Int) throws -> String {
        let file = path("recipients-\(count).csv")
        if FileManager.default.fileExists(atPath: file) { return file }
        _ = FileManager.default.createFile(atPath: file, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: file) else { throw BenchError("cannot write \(file)") }
        defer { try? handle.close() }
        var buffer = "email,name,plano\n"
        for index in 0..<count {
            buffer += "user\(index)@example.com,User \(index),Fibra \(index % 7)\n"
            if buffer.utf8.count > 1 << 20 {
                handle.write(Data(buffer.utf8))
                buffer = ""
            }
        }
        handle.write(Data(buffer.utf8))
        return file
    }

    struct SendResult {
        var sendID = ""
        var sent = 0
        var seconds = 0.0
        var acceptSeconds = 0.0
        var exit: BenchProcess.Exit
    }

    /// Runs `carteiro send --json` with the bench's message and `arguments`; fails unless it exits 0.
    func bodyFile(bytes: Int) throws -> String {
        let body = path("body.txt")
        if !FileManager.default.fileExists(atPath: body) { try Self.body(bytes: bytes).write(toFile: body, atomically: true, encoding: .utf8) }
        return body
    }

    func send(_ arguments: [String], bodyBytes: Int, name: String) async throws -> SendResult {
        let body = try bodyFile(bytes: bodyBytes)
        let output = path("\(name).json")
        let errors = path("\(name).err")
        let process = try BenchProcess(
            carteiro,
            [
                "send", "--from", "ofertas@isp.example", "--from-name", "Provedor", "--subject", "Oi {{name}}, seu plano {{plano}}", "--text-file",
                body, "--json",
            ]
                + arguments,
            output: output, errors: errors)
        let exit = await process.wait()
        guard exit.status == 0 else {
            throw BenchError("carteiro send (\(name)) exited with \(exit.status): \(tail("\(name).err"))\(tail("\(name).json"))")
        }
        struct Summary: Decodable {
            var sendID: String
            var sent: Int?
            var seconds: Double?
            var acceptSeconds: Double?
        }
        guard let data = FileManager.default.contents(atPath: output), let summary = try? JSONDecoder().decode(Summary.self, from: data) else {
            throw BenchError("carteiro send (\(name)) printed no JSON summary: \(tail("\(name).json"))")
        }
        return SendResult(
            sendID: summary.sendID, sent: summary.sent ?? 0, seconds: summary.seconds ?? 0, acceptSeconds: summary.acceptSeconds ?? 0, exit: exit)
    }

    /// Waits until `process` has written `text` to the log `name`.
    func waitForLog(_ name: String, containing text: String, process: BenchProcess, timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let log = try? String(contentsOfFile: path(name), encoding: .utf8), log.contains(text) { return }
            guard process.isRunning else { throw BenchError("\(process.name) exited: \(tail(name))") }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw BenchError("no '\(text)' in \(name) within \(timeout): \(tail(name))")
    }

    /// Runs a helper to its end; fails unless it exits 0.
    func run(_ executable: String, _ arguments: [String], name: String) async throws {
        let process = try BenchProcess(executable, arguments, output: path("\(name).log"), errors: path("\(name).log"))
        let exit = await process.wait()
        guard exit.status == 0 else { throw BenchError("\(name) exited with \(exit.status): \(tail("\(name).log"))") }
    }

    func cpu(_ exit: BenchProcess.Exit) -> String { String(format: "%.1f s CPU", exit.cpuSeconds) }

    func tail(_ name: String) -> String {
        (try? String(contentsOfFile: path(name), encoding: .utf8)).map { String($0.suffix(800)) } ?? ""
    }
}
