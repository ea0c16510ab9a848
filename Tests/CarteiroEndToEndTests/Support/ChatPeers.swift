import CarteiroTesting
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `carteiro serve --roles chat` as a child process on a free port, ready when `/health` answers.
struct ChatServer {
    let process: CarteiroProcess
    let port: Int
    var chatURL: String { "ws://127.0.0.1:\(port)/chat" }
    var agentURL: String { "ws://127.0.0.1:\(port)/agent" }

    static var botFile: String {
        get throws { try repositoryRoot().appendingPathComponent("bots/support.yml").path }
    }

    static func start(store: [String], extra: [String] = []) async throws -> ChatServer {
        let port = try freeLoopbackPort()
        let process = try CarteiroProcess(
            ["serve", "--roles", "chat", "--port", "\(port)", "--bot", try botFile, "--log-level", "debug"] + store + extra,
            environment: nxEnvironment)
        let server = ChatServer(process: process, port: port)
        try await server.waitUntilHealthy()
        return server
    }

    func waitUntilHealthy() async throws {
        let url = URL(string: "http://127.0.0.1:\(port)/health")!
        for _ in 0..<400 {
            if let (_, response) = try? await URLSession.shared.data(from: url), (response as? HTTPURLResponse)?.statusCode == 200 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw CarteiroProcess.TimedOut(what: "carteiro serve on port \(port) to answer /health; stderr: \(process.standardError.suffix(2000))")
    }

    /// SIGTERM, and the exit status after a graceful stop.
    func stop() async throws -> CarteiroProcess.Result {
        process.signal(SIGTERM)
        return try await process.waitForExit(timeout: .seconds(20))
    }
}

/// `scripts/chat_e2e.py`, the outside client written with Python's `websockets`, for one scenario.
enum PythonChatClient {
    struct Failed: Error, CustomStringConvertible {
        let description: String
    }

    static func run(_ scenario: String, _ arguments: [String], timeout: Duration = .seconds(90)) async throws -> [String: Any] {
        let root = try repositoryRoot()
        let python = root.appendingPathComponent(".venv/bin/python")
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            throw Failed(description: "\(python.path) is missing: run scripts/setup.sh")
        }
        let process = Process()
        process.executableURL = python
        process.arguments = [root.appendingPathComponent("scripts/chat_e2e.py").path, scenario] + arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + timeout
        // Read on threads of their own so a full pipe never stalls the child. Not on tasks: a
        // blocking read holds its thread, and two of them would hold the whole cooperative pool
        // of a two-core machine until the child exits, stalling the test that runs it beside.
        async let outData = readToEnd(output.fileHandleForReading)
        async let errorData = readToEnd(errors.fileHandleForReading)
        while process.isRunning {
            if ContinuousClock.now > deadline {
                process.terminate()
                throw Failed(description: "chat_e2e.py \(scenario) did not finish within \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        let (data, errorText) = await (outData, String(decoding: errorData, as: UTF8.self))
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        guard process.terminationStatus == 0, let object else {
            throw Failed(
                description: "chat_e2e.py \(scenario) failed (\(process.terminationStatus)): \(String(decoding: data, as: UTF8.self)) \(errorText)")
        }
        return object
    }

    private static func readToEnd(_ handle: FileHandle) async -> Data {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: handle.readDataToEndOfFile()) }
        }
    }
}

/// nx-27017 deviation: an index `{field: 1, _id: 1}` (MongoStore's compound paging indexes)
/// makes every later insert into that collection fail, and cannot be built over existing
/// documents. Processes under test build the plain field indexes instead; MongoDB needs no such step.
let nxEnvironment = ["CARTEIRO_MONGO_COMPOUND_INDEXES": "0"]

extension Dictionary where Key == String, Value == Any {
    func frames(_ key: String) -> [[String: Any]] { self[key] as? [[String: Any]] ?? [] }
    func object(_ key: String) -> [String: Any] { self[key] as? [String: Any] ?? [:] }
}

extension [[String: Any]] {
    func ofType(_ type: String) -> [[String: Any]] { filter { $0["type"] as? String == type } }
    /// Sequences of the conversation's entries (and acks), leaving out `welcome`'s "last so far".
    var sequences: [Int] { filter { $0["type"] as? String != "welcome" }.compactMap { $0["sequence"] as? Int } }
}
