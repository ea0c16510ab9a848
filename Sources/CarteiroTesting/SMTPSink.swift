public import Foundation
import Synchronization

/// SMTP servers for tests, each on a free loopback port, started and stopped by the test.
///
/// - `SMTPSink.Postfix`: Postfix's `smtp-sink`, fast and dumb: counts sessions and messages,
///   optionally dumps each message to a file. For throughput and connection-reuse tests.
/// - `SMTPSink.Scripted`: an aiosmtpd server (a Python script written out at run time, run with
///   `<repository>/.venv/bin/python`) that records every message, counts connections, and answers
///   as configured: replies per recipient pattern or every Nth message, delayed DATA replies,
///   STARTTLS with a fresh self-signed certificate, AUTH PLAIN/LOGIN against one account.
///
/// A missing binary is an error, so the tests that need a sink fail rather than skip.
public enum SMTPSink {
    public struct LaunchError: Error, CustomStringConvertible {
        public let description: String
    }

    /// What `smtp-sink -c` counts: ended sessions, QUIT commands, messages received.
    public struct Counters: Sendable, Hashable {
        public var sessions: Int
        public var quits: Int
        public var messages: Int
    }

    /// One message as the scripted sink received it (dot-stuffing undone, bytes untouched).
    public struct RecordedMessage: Sendable, Hashable {
        public var mailFrom: String
        public var recipients: [String]
        public var data: [UInt8]
        /// 1-based number of the connection it came on.
        public var connection: Int
    }

    // MARK: - Postfix smtp-sink

    public final class Postfix: Sendable {
        public let port: Int
        private let process: Mutex<Process?>
        private let workFolder: URL
        private let outputFile: URL
        /// Where messages are dumped, when asked for.
        public let messageFolder: URL?

        private init(process: Process, port: Int, workFolder: URL, outputFile: URL, messageFolder: URL?) {
            self.process = Mutex(process)
            self.port = port
            self.workFolder = workFolder
            self.outputFile = outputFile
            self.messageFolder = messageFolder
        }

        deinit { stop() }

        /// `smtp://127.0.0.1:PORT`
        public var url: String { "smtp://127.0.0.1:\(port)" }

        /// Starts `smtp-sink -c` (running counters) as `nobody`; with `recordMessages` each message is
        /// also dumped to a file in `messageFolder`. `arguments` go before the address (see `man smtp-sink`:
        /// `-r RCPT` for 4xx on every RCPT, `-w 1` to delay DATA, …). `port` pins the port, so that a
        /// relay already pointing at an address can start (or change) answering; otherwise a free one.
        public static func start(recordMessages: Bool = false, arguments: [String] = [], port: Int? = nil) async throws -> Postfix {
            let binary = ProcessInfo.processInfo.environment["CARTEIRO_SMTP_SINK"].flatMap { $0.isEmpty ? nil : $0 } ?? "/usr/sbin/smtp-sink"
            guard FileManager.default.isExecutableFile(atPath: binary) else {
                throw LaunchError(
                    description: "smtp-sink not found at \(binary); install Debian's postfix package (scripts/setup.sh) or set CARTEIRO_SMTP_SINK")
            }
            var lastError: (any Error)?
            for _ in 0..<3 {
                do {
                    return try await launch(binary: binary, recordMessages: recordMessages, arguments: arguments, port: port)
                } catch let error as LaunchError where error.description.contains("exited") {
                    lastError = error
                }
            }
            throw lastError ?? LaunchError(description: "smtp-sink did not start")
        }

        private static func launch(binary: String, recordMessages: Bool, arguments: [String], port pinned: Int?) async throws -> Postfix {
            let port = try pinned ?? freeLoopbackPort()
            let workFolder = FileManager.default.temporaryDirectory.appendingPathComponent("smtp-sink-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: workFolder, withIntermediateDirectories: true)
            let outputFile = workFolder.appendingPathComponent("output.log")
            _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
            var messageFolder: URL?
            var dumpArguments: [String] = []
            if recordMessages {
                let folder = workFolder.appendingPathComponent("messages")
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                // smtp-sink writes as `nobody` after dropping privileges.
                try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: folder.path)
                dumpArguments = ["-d", folder.path + "/message."]
                messageFolder = folder
            }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            var all = ["-c"]
            if getuid() == 0 { all += ["-u", "nobody"] }
            all += dumpArguments + arguments + ["127.0.0.1:\(port)", "256"]
            process.arguments = all
            let output = try FileHandle(forWritingTo: outputFile)
            process.standardOutput = output
            process.standardError = output
            process.standardInput = FileHandle.nullDevice
            try process.run()
            try? output.close()
            let sink = Postfix(process: process, port: port, workFolder: workFolder, outputFile: outputFile, messageFolder: messageFolder)
            try await waitUntilListening(port: port, process: process, name: "smtp-sink", logs: [outputFile]) { sink.stop() }
            return sink
        }

        /// The counters as of the last line smtp-sink printed (it prints on every ended session,
        /// QUIT and message).
        public func counters() -> Counters {
            let text = (try? String(contentsOf: outputFile, encoding: .utf8)) ?? ""
            let last = text.split(whereSeparator: { $0 == "\r" || $0 == "\n" }).last { $0.hasPrefix("sess=") }
            var counters = Counters(sessions: 0, quits: 0, messages: 0)
            for field in last?.split(separator: " ") ?? [] {
                let pair = field.split(separator: "=")
                guard pair.count == 2, let value = Int(pair[1]) else { continue }
                switch pair[0] {
                case "sess": counters.sessions = value
                case "quit": counters.quits = value
                case "mesg": counters.messages = value
                default: break
                }
            }
            return counters
        }

        /// Polls the counters until `condition` holds or `timeout` passes; returns the last seen.
        public func waitForCounters(timeout: Duration = .seconds(10), until condition: (Counters) -> Bool) async -> Counters {
            let deadline = ContinuousClock.now + timeout
            var current = counters()
            while !condition(current), ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(20))
                current = counters()
            }
            return current
        }

        /// The dumped messages (with smtp-sink's X-… and Received headers in front), when recording.
        public func recordedMessageFiles() -> [URL] {
            guard let messageFolder else { return [] }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: messageFolder.path)) ?? []
            return names.sorted().map { messageFolder.appendingPathComponent($0) }
        }

        public func stop() {
            let stored = process.withLock { stored -> Process? in
                defer { stored = nil }
                return stored
            }
            guard let stored else { return }
            // smtp-sink ignores SIGTERM.
            terminate(stored, immediately: true)
            try? FileManager.default.removeItem(at: workFolder)
        }
    }

    // MARK: - aiosmtpd, scripted

    public final class Scripted: Sendable {
        public struct Configuration: Sendable {
            /// (regular expression searched in the RCPT TO address, full reply), first match wins,
            /// e.g. `("^nobody@", "550 5.1.1 <nobody@…>: Recipient address rejected")`.
            public var recipientReplies: [(pattern: String, reply: String)]
            /// Answer every Nth message's data with this reply instead of accepting it
            /// (e.g. `(3, "451 4.3.0 Try again in 30 seconds")`).
            public var everyNthMessage: (n: Int, reply: String)?
            /// Wait this long before answering the final dot.
            public var dataReplyDelay: Duration
            /// Offer STARTTLS with a self-signed certificate for CN=localhost made at start.
            public var startTLS: Bool
            /// Offer AUTH PLAIN and LOGIN (without TLS) and accept only this account.
            public var credentials: (username: String, password: String)?
            /// Close connections idle this long (aiosmtpd's default is 5 minutes).
            public var idleTimeout: Duration?

            public init(
                recipientReplies: [(pattern: String, reply: String)] = [],
                everyNthMessage: (n: Int, reply: String)? = nil,
                dataReplyDelay: Duration = .zero,
                startTLS: Bool = false,
                credentials: (username: String, password: String)? = nil,
                idleTimeout: Duration? = nil
            ) {
                self.recipientReplies = recipientReplies
                self.everyNthMessage = everyNthMessage
                self.dataReplyDelay = dataReplyDelay
                self.startTLS = startTLS
                self.credentials = credentials
                self.idleTimeout = idleTimeout
            }
        }

        public let port: Int
        private let process: Mutex<Process?>
        private let workFolder: URL

        private init(process: Process, port: Int, workFolder: URL) {
            self.process = Mutex(process)
            self.port = port
            self.workFolder = workFolder
        }

        deinit { stop() }

        /// `smtp://127.0.0.1:PORT`
        public var url: String { "smtp://127.0.0.1:\(port)" }

        private var messageFolder: URL { workFolder.appendingPathComponent("messages") }

        public static func start(_ configuration: Configuration = Configuration()) async throws -> Scripted {
            let python: URL
            if let override = ProcessInfo.processInfo.environment["CARTEIRO_SINK_PYTHON"], !override.isEmpty {
                python = URL(fileURLWithPath: override)
            } else {
                python = try repositoryRoot().appendingPathComponent(".venv/bin/python")
            }
            guard FileManager.default.isExecutableFile(atPath: python.path) else {
                throw LaunchError(description: "python not found at \(python.path); run scripts/setup.sh (creates .venv with aiosmtpd)")
            }
            var lastError: (any Error)?
            for _ in 0..<3 {
                do {
                    return try await launch(python: python, configuration: configuration)
                } catch let error as LaunchError where error.description.contains("exited") {
                    lastError = error
                }
            }
            throw lastError ?? LaunchError(description: "the aiosmtpd sink did not start")
        }

        private static func launch(python: URL, configuration: Configuration) async throws -> Scripted {
            let port = try freeLoopbackPort()
            let workFolder = FileManager.default.temporaryDirectory.appendingPathComponent("aiosmtpd-sink-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: workFolder.appendingPathComponent("messages"), withIntermediateDirectories: true)
            let script = workFolder.appendingPathComponent("sink.py")
            try Data(sinkScript.utf8).write(to: script)

            var tls: [String: String]?
            if configuration.startTLS {
                let key = workFolder.appendingPathComponent("key.pem").path
                let certificate = workFolder.appendingPathComponent("cert.pem").path
                try await runTool(
                    "/usr/bin/openssl",
                    ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-days", "1", "-keyout", key, "-out", certificate])
                tls = ["cert": certificate, "key": key]
            }
            var settings: [String: Any] = [
                "host": "127.0.0.1", "port": port, "dir": workFolder.path,
                "recipient_replies": configuration.recipientReplies.map { [$0.pattern, $0.reply] },
                "data_delay_ms": Double(configuration.dataReplyDelay.components.seconds) * 1000
                    + Double(configuration.dataReplyDelay.components.attoseconds) / 1e15,
            ]
            if let nth = configuration.everyNthMessage { settings["every_nth"] = ["n": nth.n, "reply": nth.reply] as [String: Any] }
            if let tls { settings["tls"] = tls }
            if let idle = configuration.idleTimeout {
                settings["idle_timeout"] = Double(idle.components.seconds) + Double(idle.components.attoseconds) / 1e18
            }
            if let credentials = configuration.credentials {
                settings["auth"] = ["username": credentials.username, "password": credentials.password]
            }
            let settingsFile = workFolder.appendingPathComponent("settings.json")
            try JSONSerialization.data(withJSONObject: settings).write(to: settingsFile)

            let outputFile = workFolder.appendingPathComponent("output.log")
            _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
            let process = Process()
            process.executableURL = python
            process.arguments = [script.path, settingsFile.path]
            let output = try FileHandle(forWritingTo: outputFile)
            process.standardOutput = output
            process.standardError = output
            process.standardInput = FileHandle.nullDevice
            try process.run()
            try? output.close()
            let sink = Scripted(process: process, port: port, workFolder: workFolder)
            try await waitUntilListening(port: port, process: process, name: "aiosmtpd sink", logs: [outputFile]) { sink.stop() }
            return sink
        }

        /// TCP connections accepted so far.
        public func connectionCount() -> Int {
            stats()["connections"] ?? 0
        }

        /// The most DATA commands the sink was answering at the same time (with a reply delay, how
        /// many connections were waiting side by side).
        public func maxConcurrentDataReplies() -> Int {
            stats()["max_concurrent_data"] ?? 0
        }

        /// Messages accepted so far.
        public func messageCount() -> Int {
            stats()["messages"] ?? 0
        }

        private func stats() -> [String: Int] {
            guard let data = try? Data(contentsOf: workFolder.appendingPathComponent("stats.json")),
                let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
            else { return [:] }
            return object.compactMapValues { $0 as? Int }
        }

        /// Every accepted message, in arrival order.
        public func messages() -> [RecordedMessage] {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: messageFolder.path)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
            return names.compactMap { name -> RecordedMessage? in
                let meta = messageFolder.appendingPathComponent(name)
                let body = messageFolder.appendingPathComponent(String(name.dropLast(5)) + ".eml")
                guard let metaData = try? Data(contentsOf: meta),
                    let object = try? JSONSerialization.jsonObject(with: metaData) as? [String: Any],
                    let data = try? Data(contentsOf: body)
                else { return nil }
                return RecordedMessage(
                    mailFrom: object["mail_from"] as? String ?? "", recipients: object["rcpt_tos"] as? [String] ?? [],
                    data: [UInt8](data), connection: object["connection"] as? Int ?? 0)
            }
        }

        /// Polls until `count` messages are recorded or `timeout` passes.
        public func waitForMessages(_ count: Int, timeout: Duration = .seconds(10)) async -> [RecordedMessage] {
            let deadline = ContinuousClock.now + timeout
            var current = messages()
            while current.count < count, ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(20))
                current = messages()
            }
            return current
        }

        public func stop() {
            let stored = process.withLock { stored -> Process? in
                defer { stored = nil }
                return stored
            }
            guard let stored else { return }
            terminate(stored)
            try? FileManager.default.removeItem(at: workFolder)
        }
    }
}

// MARK: - Shared helpers

func terminate(_ process: Process, immediately: Bool = false) {
    guard process.isRunning else { return }
    if immediately {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        return
    }
    process.terminate()
    let deadline = Date().addingTimeInterval(2)
    while process.isRunning, Date() < deadline { usleep(10_000) }
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    process.waitUntilExit()
}

/// Waits until something listens on 127.0.0.1:`port`, looking at /proc/net/tcp rather than
/// connecting, so the sink's connection count starts at zero.
func waitUntilListening(
    port: Int, process: Process, name: String, logs: [URL], timeout: Duration = .seconds(20), cleanUp: () -> Void
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if !process.isRunning {
            let tail = logTail(logs)
            cleanUp()
            throw SMTPSink.LaunchError(description: "\(name) exited with status \(process.terminationStatus) before listening:\n\(tail)")
        }
        if isListening(port: port) { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    let tail = logTail(logs)
    cleanUp()
    throw SMTPSink.LaunchError(description: "\(name) did not listen on port \(port) within \(timeout):\n\(tail)")
}

private func isListening(port: Int) -> Bool {
    // Lines look like "  1: 0100007F:1F90 00000000:0000 0A …": local address:port in hex, state 0A = LISTEN.
    let suffix = ":" + String(format: "%04X", port)
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        guard let text = try? String(contentsOfFile: table, encoding: .utf8) else { continue }
        for line in text.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ")
            if fields.count > 3, fields[1].hasSuffix(suffix), fields[3] == "0A" { return true }
        }
    }
    return false
}

private func logTail(_ files: [URL]) -> String {
    files.compactMap { try? String(contentsOf: $0, encoding: .utf8) }.joined(separator: "\n")
        .split(separator: "\n", omittingEmptySubsequences: false).suffix(30).joined(separator: "\n")
}

/// Runs a short tool to completion without blocking the caller's thread.
private func runTool(_ path: String, _ arguments: [String], timeout: Duration = .seconds(30)) async throws {
    guard FileManager.default.isExecutableFile(atPath: path) else {
        throw SMTPSink.LaunchError(description: "\(path) not found")
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    let deadline = ContinuousClock.now + timeout
    while process.isRunning {
        if ContinuousClock.now > deadline {
            terminate(process)
            throw SMTPSink.LaunchError(description: "\(path) did not finish in \(timeout)")
        }
        try await Task.sleep(for: .milliseconds(20))
    }
    guard process.terminationStatus == 0 else {
        throw SMTPSink.LaunchError(description: "\(path) \(arguments.joined(separator: " ")) failed with status \(process.terminationStatus)")
    }
}

/// The scripted sink. Settings come from a JSON file (see `Scripted.launch`); it records each
/// accepted message as NNNNNN.eml (the data, dot-stuffing undone) plus NNNNNN.json (envelope,
/// connection number) and keeps stats.json ({"connections", "messages"}) current.
private let sinkScript = #"""
    import asyncio, json, os, re, ssl, sys
    from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

    with open(sys.argv[1]) as f:
        settings = json.load(f)

    folder = settings["dir"]
    messages_folder = os.path.join(folder, "messages")
    rules = [(re.compile(p), r) for p, r in settings.get("recipient_replies", [])]
    every_nth = settings.get("every_nth")
    delay = settings.get("data_delay_ms", 0) / 1000.0
    auth = settings.get("auth")
    stats = {"connections": 0, "messages": 0, "data_commands": 0, "max_concurrent_data": 0}
    waiting_data = 0

    def write_stats():
        temporary = os.path.join(folder, "stats.json.tmp")
        with open(temporary, "w") as f:
            json.dump(stats, f)
        os.replace(temporary, os.path.join(folder, "stats.json"))

    write_stats()

    class Handler:
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            for pattern, reply in rules:
                if pattern.search(address):
                    return reply
            envelope.rcpt_tos.append(address)
            return "250 2.1.5 Ok"

        async def handle_DATA(self, server, session, envelope):
            stats["data_commands"] += 1
            number = stats["data_commands"]
            global waiting_data
            waiting_data += 1
            stats["max_concurrent_data"] = max(stats["max_concurrent_data"], waiting_data)
            try:
                if delay > 0:
                    await asyncio.sleep(delay)
            finally:
                waiting_data -= 1
            if every_nth and number % every_nth["n"] == 0:
                write_stats()
                return every_nth["reply"]
            stats["messages"] += 1
            name = "%06d" % stats["messages"]
            content = envelope.original_content if envelope.original_content is not None else envelope.content
            with open(os.path.join(messages_folder, name + ".eml"), "wb") as f:
                f.write(content)
            with open(os.path.join(messages_folder, name + ".json"), "w") as f:
                json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                           "connection": server.connection_number}, f)
            write_stats()
            return "250 2.0.0 Ok: queued as %s" % name

    def authenticator(server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword):
            login = auth_data.login.decode("utf-8", "replace")
            password = auth_data.password.decode("utf-8", "replace")
            if login == auth["username"] and password == auth["password"]:
                return AuthResult(success=True)
        return AuthResult(success=False, handled=False)

    class CountingSMTP(SMTP):
        connection_number = 0

        def connection_made(self, transport):
            # Called again on the TLS transport after STARTTLS: count the TCP connection once.
            if self.connection_number == 0:
                stats["connections"] += 1
                write_stats()
                self.connection_number = stats["connections"]
            super().connection_made(transport)

    def make_server():
        options = dict(hostname="sink.test", decode_data=False, enable_SMTPUTF8=False)
        if settings.get("idle_timeout"):
            options.update(timeout=settings["idle_timeout"])
        if settings.get("tls"):
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(settings["tls"]["cert"], settings["tls"]["key"])
            options.update(tls_context=context, require_starttls=False)
        if auth:
            options.update(authenticator=authenticator, auth_require_tls=False, auth_required=False)
        return CountingSMTP(Handler(), **options)

    async def main():
        loop = asyncio.get_running_loop()
        server = await loop.create_server(make_server, settings["host"], settings["port"])
        print("READY", flush=True)
        await server.serve_forever()

    asyncio.run(main())
    """#
