import CarteiroTesting
import Foundation
import Testing

/// `--metrics-address`: /metrics on a listen address of its own, and no longer on the main port.
@Suite("serve --metrics-address", .serialized, .timeLimit(.minutes(2)))
struct MetricsAddressTests {
    @Test func metricsAreServedOnlyOnTheMetricsAddressWhenOneIsGiven() async throws {
        let metricsPort = try freeLoopbackPort()
        try await APIServer.with(extra: ["--metrics-address", "127.0.0.1:\(metricsPort)"]) { server in
            let metrics = try await server.get("metrics", port: metricsPort)
            #expect(metrics.status == 200)
            #expect(metrics.header("Content-Type")?.hasPrefix("text/plain") == true, "\(metrics.headers)")
            #expect(try await server.get("metrics").status == 404, "not on the main port")
            #expect(try await server.get("health").status == 200, "the main port keeps its other routes")
            #expect(try await server.get("health", port: metricsPort).status == 404, "the metrics port serves /metrics alone")
        }
    }

    @Test func withoutAMetricsAddressMetricsAreOnTheMainPort() async throws {
        try await APIServer.with { server in
            let metrics = try await server.get("metrics")
            #expect(metrics.status == 200)
        }
    }

    @Test(arguments: ["9464", "127.0.0.1", "127.0.0.1:99999", ":9464", "127.0.0.1:port"])
    func aBadMetricsAddressExitsTwoWithOneLineNamingTheFlag(_ value: String) async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let result = try await CarteiroProcess.run(
            ["serve", "--roles", "api", "--metrics-address", value, "--data-dir", folder.path], timeout: .seconds(30))
        #expect(result.exitCode == 2)
        #expect(result.standardError.split(separator: "\n").count == 1, "\(result.standardError)")
        #expect(result.standardError.contains("metrics-address"), "\(result.standardError)")
    }

    @Test func theEnvironmentVariableSetsTheMetricsAddress() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let result = try await CarteiroProcess.run(
            ["serve", "--roles", "api", "--data-dir", folder.path], environment: ["CARTEIRO_METRICS_ADDRESS": "nonsense"], timeout: .seconds(30))
        #expect(result.exitCode == 2)
        #expect(result.standardError.contains("metrics-address"), "\(result.standardError)")
    }
}
