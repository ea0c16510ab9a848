import CarteiroDomain
import Foundation
import OpenAPIRuntime

extension APIHandlers {
    func getOpenAPIDocument(_ input: Operations.GetOpenAPIDocument.Input) async throws -> Operations.GetOpenAPIDocument.Output {
        .ok(.init(body: .json(try JSONDecoder().decode(OpenAPIObjectContainer.self, from: documentJSON))))
    }

    func listRelays(_ input: Operations.ListRelays.Input) async throws -> Operations.ListRelays.Output {
        let states = try await store.relayStates.relayStates()
        let relays = states.map { state in
            Components.Schemas.Relay(
                name: state.relay,
                healthy: state.lastProbe?.passed,
                lastHeartbeat: state.lastProbe.map { probe in
                    .init(at: probe.at, worker: probe.worker, passed: probe.passed, error: probe.failure?.description)
                },
                breakers: state.breakers.map { breaker in
                    .init(
                        worker: breaker.worker, state: .init(rawValue: breaker.state.rawValue) ?? .open, openUntil: breaker.openUntil,
                        at: breaker.at)
                })
        }
        return .ok(.init(body: .json(.init(relays: relays))))
    }
}
