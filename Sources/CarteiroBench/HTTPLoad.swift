import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A closed-loop HTTP/1.1 load: `connections` keep-alive connections, each sending the next GET
/// as soon as the previous answer ended, for `duration`. Counts answers and refuses any that is
/// not 200, so that a benchmark never measures errors.
struct HTTPLoad {
    let host: String
    let port: Int
    let path: String
    let headers: [(String, String)]
    let connections: Int
    let duration: Duration

    /// Answers per second over the whole run.
    func run(on group: any EventLoopGroup) async throws -> Double {
        let (answers, seconds) = try await measure(on: group)
        return Double(answers) / seconds
    }

    /// Answers (all 200) and the seconds the run took.
    func measure(on group: any EventLoopGroup) async throws -> (answers: Int, seconds: Double) {
        let deadline = ContinuousClock.now + duration
        let started = ContinuousClock.now
        let total = try await withThrowingTaskGroup(of: Int.self) { tasks in
            for _ in 0..<connections {
                tasks.addTask { try await runConnection(on: group, until: deadline) }
            }
            return try await tasks.reduce(0, +)
        }
        let elapsed = ContinuousClock.now - started
        return (total, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    private func runConnection(on group: any EventLoopGroup, until deadline: ContinuousClock.Instant) async throws -> Int {
        let channel = try await ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                }
            }
        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path)
        head.headers.add(name: "Host", value: "\(host):\(port)")
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        let request = head
        return try await channel.executeThenClose { inbound, outbound in
            var answers = 0
            var iterator = inbound.makeAsyncIterator()
            while ContinuousClock.now < deadline {
                try await outbound.write(.head(request))
                try await outbound.write(.end(nil))
                var status: HTTPResponseStatus?
                while let part = try await iterator.next() {
                    switch part {
                    case .head(let response): status = response.status
                    case .body: continue
                    case .end:
                        guard status == .ok else { throw BenchError("GET \(path) answered \(status.map { "\($0.code)" } ?? "nothing")") }
                        answers += 1
                    }
                    if case .end = part { break }
                }
            }
            return answers
        }
    }
}
