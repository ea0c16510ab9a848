import CarteiroTesting
import Foundation
import Testing

/// Start-up failures a person can act on: one line in words, naming what to change.
@Suite(.serialized) struct StartupErrorTests {
    @Test func aPortInUseIsOneLineNamingThePortAndTheFlag() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        // A listener of our own holds the port.
        let port = try freeLoopbackPort()
        let holder = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(holder) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(holder, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        #expect(bound == 0)
        #expect(listen(holder, 1) == 0)

        let result = try await CarteiroProcess.run(
            ["serve", "--roles", "worker", "--port", "\(port)", "--data-dir", folder.path], timeout: .seconds(30))
        #expect(result.exitCode == 1)
        let last = result.standardError.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last == "carteiro: port \(port) is already in use on 127.0.0.1; choose another with --port (or CARTEIRO_PORT)", "\(last)")
        #expect(!result.standardError.contains("errno"))
    }

    @Test(arguments: ["scheduler"])
    func aRoleThatIsNotBuiltYetIsRefusedWithExitTwo(_ role: String) async throws {
        let result = try await CarteiroProcess.run(["serve", "--roles", "chat,\(role)", "--port", "0"], timeout: .seconds(20))
        #expect(result.exitCode == 2)
        #expect(result.standardError.hasPrefix("carteiro: invalid roles: the \(role) role is not built yet"))
    }
}
