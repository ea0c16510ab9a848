import Foundation
import HummingbirdWSClient
import Logging
import NIOWebSocket

#if canImport(Glibc)
    import Glibc
#endif

/// A `carteiro serve --roles chat` child process for the chat benchmarks: a free loopback port,
/// an embedded SQLite store in a scratch folder, and the per-address limits lifted, since every
/// connection of a benchmark comes from 127.0.0.1 as no real customers do.
struct ChatBenchServer: Sendable {
    let process: BenchProcess
    let port: Int
    let folder: URL
    let log: String
    let bot: String

    /// What the server process holds at one moment.
    struct Sample: Sendable {
        var residentBytes: Int
        var descriptors: Int
        /// malloc's bytes in use and free inside its arenas, from `/metrics` (nil if not served).
        var heapAllocatedBytes: Int?
        var heapFreeBytes: Int?
        /// The part of the heap in use that SQLite holds: page caches, filling up to their bounds.
        var sqliteBytes: Int?

        var residentMegabytes: Double { Double(residentBytes) / 1_048_576 }
        var heapAllocatedMegabytes: Double? { heapAllocatedBytes.map { Double($0) / 1_048_576 } }
        var sqliteMegabytes: Double? { sqliteBytes.map { Double($0) / 1_048_576 } }
        /// The heap in use besides SQLite's caches: what connections and conversations left.
        var heapOutsideSQLiteBytes: Int? { heapAllocatedBytes.map { $0 - (sqliteBytes ?? 0) } }
    }

    static func start(name: String, bot: String, arguments: [String]) throws -> ChatBenchServer {
        raiseOpenFileLimit()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("carteiro-\(name)-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let carteiro = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let port = try BenchNetwork.freePort()
        let log = folder.appendingPathComponent("serve.log").path
        let process = try BenchProcess(
            carteiro,
            [
                "serve", "--roles", "chat", "--port", "\(port)", "--data-dir", folder.appendingPathComponent("data").path, "--bot", bot,
                "--bench-echo", "--log-level", "warning",
                // Every connection comes from this one loopback address, as no real customers do.
                "--chat-max-connections-per-address", "0", "--chat-conversations-per-minute", "0", "--chat-address-bytes-per-minute", "0",
                "--chat-conversation-bytes-per-minute", "0",
            ] + arguments,
            output: log, errors: log)
        return ChatBenchServer(process: process, port: port, folder: folder, log: log, bot: bot)
    }

    var chatURL: String { "ws://127.0.0.1:\(port)/chat" }

    /// Waits until the server answers a WebSocket on `/bench/echo`.
    func waitUntilReady(logger: Logger) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            guard process.isRunning else { throw BenchError("the server exited before listening; \(logTail())") }
            do {
                try await WebSocketClient.connect(url: "ws://127.0.0.1:\(port)/bench/echo", logger: logger) { _, outbound, _ in
                    try await outbound.close(.normalClosure, reason: nil)
                }
                return
            } catch {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        throw BenchError("the server did not answer on /bench/echo within 60 s")
    }

    /// The server's resident set and descriptors from /proc, and its heap from `/metrics`.
    func sample() -> Sample {
        let metrics = BenchNetwork.get(port: port, path: "/metrics") ?? ""
        return Sample(
            residentBytes: BenchProcess.residentBytes(of: process.pid) ?? 0, descriptors: BenchProcess.openDescriptors(of: process.pid) ?? 0,
            heapAllocatedBytes: Self.gauge("process_heap_allocated_bytes", in: metrics),
            heapFreeBytes: Self.gauge("process_heap_free_bytes", in: metrics),
            sqliteBytes: Self.gauge("process_sqlite_memory_bytes", in: metrics))
    }

    static func gauge(_ name: String, in metrics: String) -> Int? {
        for line in metrics.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces)).map { Int($0) }
        }
        return nil
    }

    func logTail() -> String {
        "server log: \(String((try? String(contentsOfFile: log, encoding: .utf8))?.suffix(2_000) ?? ""))"
    }

    /// Stops the server and removes the scratch folder unless `keep`.
    @discardableResult
    func stop(keep: Bool) async -> BenchProcess.Exit {
        let exit = await process.stop()
        if keep { emit("kept: \(folder.path)") } else { try? FileManager.default.removeItem(at: folder) }
        return exit
    }
}

/// Lets as many file descriptors be open as the hard limit allows (two per connection, client
/// and server side); a server started afterwards inherits it.
func raiseOpenFileLimit() {
    var limit = rlimit()
    guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return }
    limit.rlim_cur = limit.rlim_max
    _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
}

extension BenchProcess {
    /// VmRSS, the resident set of a running process now.
    static func residentBytes(of pid: pid_t) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kilobytes = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first.flatMap({ Int($0) })
        else { return nil }
        return kilobytes * 1024
    }

    /// Descriptors a running process has open now.
    static func openDescriptors(of pid: pid_t) -> Int? {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd"))?.count
    }
}

extension BenchNetwork {
    /// The body of `GET path` on 127.0.0.1:`port` (the connection closed after it), or nil on any
    /// failure. Blocking; for a short loopback answer such as `/metrics`.
    static func get(port: Int, path: String) -> String? {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        _ = setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return nil }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ send(descriptor, $0.baseAddress, $0.count, 0) }) == request.count else { return nil }
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            response.append(contentsOf: chunk[..<count])
        }
        let text = String(decoding: response, as: UTF8.self)
        guard let bodyStart = text.range(of: "\r\n\r\n") else { return nil }
        return String(text[bodyStart.upperBound...])
    }
}
