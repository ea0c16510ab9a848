public import CarteiroDomain
import Foundation
public import Hummingbird

/// `GET /relays`: every relay the workers on this store have seen, with its latest heartbeat
/// and each worker's breaker state, as JSON.
public struct RelayRoutes: Sendable {
    let board: any RelayStateBoard

    public init(board: any RelayStateBoard) { self.board = board }

    public func register<Context: RequestContext>(on router: Router<Context>) {
        router.get("relays") { _, _ in
            do {
                let states = try await board.relayStates()
                return try Response.json(encoding: RelaysBody(relays: states.map(RelayBody.init)))
            } catch {
                return Response.json(["error": "cannot read relay states: \(error)"], status: .serviceUnavailable)
            }
        }
    }
}

private struct RelaysBody: Encodable {
    let relays: [RelayBody]
}

private struct RelayBody: Encodable {
    struct Probe: Encodable {
        let at: Date
        let worker: String
        let passed: Bool
        let error: String?
    }

    struct Breaker: Encodable {
        let worker: String
        let state: String
        let openUntil: Date?
        let at: Date
    }

    let name: String
    /// Whether the latest heartbeat passed; nil before the first one.
    let healthy: Bool?
    let lastHeartbeat: Probe?
    let breakers: [Breaker]

    init(_ state: RelayState) {
        name = state.relay
        healthy = state.lastProbe?.passed
        lastHeartbeat = state.lastProbe.map { Probe(at: $0.at, worker: $0.worker, passed: $0.passed, error: $0.failure?.description) }
        breakers = state.breakers.map { Breaker(worker: $0.worker, state: $0.state.rawValue, openUntil: $0.openUntil, at: $0.at) }
    }
}

extension Response {
    static func json(encoding value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(value)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
