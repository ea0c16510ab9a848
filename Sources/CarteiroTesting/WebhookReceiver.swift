public import Foundation
import Synchronization

/// `scripts/webhook_receiver.py` (Python's `http.server`) on a loopback port: it checks each
/// request's `Carteiro-Signature` and 5-minute replay window itself and records what it got, one
/// JSON line per request, in a file that outlives a stop, so a test can stop the receiver, let
/// events pile up, and start it again on the same port.
public final class WebhookReceiver: Sendable {
    public struct LaunchError: Error, CustomStringConvertible {
        public let description: String
    }

    /// One request as the receiver saw it.
    public struct Request: Sendable, Hashable, Decodable {
        /// A valid signature within the replay window, and a 2xx answer.
        public var accepted: Bool
        /// Why it was refused, when it was.
        public var reason: String
        public var status: Int
        public var attempt: String?
        public var id: String?
        public var kind: String?
        public var position: Int64?
        /// The aggregate the event is about (a contact's id for contact events).
        public var subject: String?
        public var webhookId: String?
    }

    public let port: Int
    public let secret: String
    public let recordFile: URL
    private let folder: URL
    private let process = Mutex<ChildProcess?>(nil)

    /// `http://127.0.0.1:PORT/hook`
    public var url: String { "http://127.0.0.1:\(port)/hook" }

    /// A receiver that is not running yet, on a free port (or `port`): `start` it.
    public init(secret: String, port: Int? = nil) throws {
        self.port = try port ?? freeLoopbackPort()
        self.secret = secret
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("webhook-receiver-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        recordFile = folder.appendingPathComponent("requests.jsonl")
        _ = FileManager.default.createFile(atPath: recordFile.path, contents: nil)
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: folder)
    }

    /// Starts it (again) on its port, answering `status` to everything when given, each answer
    /// after `delay` seconds; returns once it listens.
    public func start(status: Int? = nil, delay: Double = 0) async throws {
        stop()
        let root = try repositoryRoot()
        let python = root.appendingPathComponent(".venv/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw LaunchError(description: "\(python) is missing: run scripts/setup.sh")
        }
        var arguments = [
            root.appendingPathComponent("scripts/webhook_receiver.py").path, "--port", "\(port)", "--secret", secret, "--record", recordFile.path,
        ]
        if let status { arguments += ["--status", "\(status)"] }
        if delay > 0 { arguments += ["--delay", "\(delay)"] }
        let log = folder.appendingPathComponent("receiver.log").path
        let child = try ChildProcess(executable: python, arguments: arguments, outputPath: log)
        process.withLock { $0 = child }
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            guard child.isRunning else {
                let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                throw LaunchError(description: "webhook_receiver.py exited before listening:\n\(output.suffix(2_000))")
            }
            if loopbackPortAcceptsConnections(port) { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        stop()
        throw LaunchError(description: "webhook_receiver.py did not listen on port \(port) within 20 s")
    }

    /// Stops it; requests then find nothing listening (connection refused).
    public func stop() {
        let child = process.withLock { process -> ChildProcess? in
            defer { process = nil }
            return process
        }
        child?.terminate()
    }

    /// Every request received so far, in order.
    public func requests() -> [Request] {
        guard let data = try? Data(contentsOf: recordFile) else { return [] }
        let decoder = JSONDecoder()
        return data.split(separator: UInt8(ascii: "\n")).compactMap { try? decoder.decode(Request.self, from: Data($0)) }
    }

    /// The accepted requests, once `predicate` holds for them, polling until `timeout`.
    @discardableResult
    public func waitForAccepted(timeout: Duration = .seconds(20), until predicate: ([Request]) -> Bool) async throws -> [Request] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let accepted = requests().filter(\.accepted)
            if predicate(accepted) || ContinuousClock.now >= deadline { return accepted }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
