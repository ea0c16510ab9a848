public import CarteiroDomain
import Foundation
public import Hummingbird
public import Prometheus

/// `/health` (the process is up), `/ready` (the store answers and can be written), `/metrics`
/// (Prometheus text, with the process's memory and descriptors read at each scrape; on a listen
/// address of its own with `--metrics-address`).
public struct HealthRoutes: Sendable {
    let store: any Store
    let registry: PrometheusCollectorRegistry
    let process: ProcessGauges

    public init(store: any Store, registry: PrometheusCollectorRegistry) {
        self.store = store
        self.registry = registry
        process = ProcessGauges(registry: registry)
    }

    /// `metrics: false` leaves `/metrics` out, for a process that serves it elsewhere.
    public func register<Context: RequestContext>(on router: Router<Context>, metrics: Bool = true) {
        router.get("health") { _, _ in
            Response.json(["status": "ok"], status: .ok)
        }
        router.get("ready") { _, _ in
            switch await checkStore() {
            case .success: Response.json(["status": "ready", "store": store.displayName], status: .ok)
            case .failure(let reason): Response.json(["status": "unavailable", "reason": reason], status: .serviceUnavailable)
            }
        }
        if metrics { registerMetrics(on: router) }
    }

    public func registerMetrics<Context: RequestContext>(on router: Router<Context>) {
        router.get("metrics") { _, _ in
            process.update()
            var buffer = [UInt8]()
            buffer.reserveCapacity(8192)
            registry.emit(into: &buffer)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
        }
    }

    private enum Readiness {
        case success
        case failure(String)
    }

    // The store's ping and write probe bound their own waits (MongoDB: a short deadline), so a
    // dead backend answers 503 in seconds rather than hanging the probe. A store that answers
    // reads but refuses writes (a read-only file or mount, no primary) is not ready either:
    // chat could not store a message, nor the worker an outcome.
    private func checkStore() async -> Readiness {
        do {
            try await store.ping()
        } catch {
            return .failure("store \(store.displayName) does not answer: \(error)")
        }
        do {
            try await store.checkWritable()
            return .success
        } catch {
            return .failure("store \(store.displayName) cannot be written: \(error)")
        }
    }
}

extension Response {
    /// A JSON body from a string dictionary: what every Carteiro error and status body looks like.
    static func json(_ object: [String: String], status: HTTPResponse.Status) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(
            status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
