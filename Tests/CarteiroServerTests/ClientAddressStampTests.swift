import CarteiroAPI
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import CarteiroServer

/// The address the admin API limits sign-ups by is the server's to write: a client's own field
/// is dropped, a trusted proxy's forwarded address is used, anyone else's is not.
@Suite struct ClientAddressStampTests {
    private func stamped(peer: String, trusted: [String], headers: [(String, String)]) throws -> [String] {
        let channel = EmbeddedChannel()
        let resolver = ClientAddressResolver(trustedProxies: trusted.compactMap { AddressRange($0) })
        try channel.pipeline.syncOperations.addHandler(ClientAddressStamp(peer: IPAddress(peer), addresses: resolver))
        var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: "/api/v1/signups")
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        try channel.writeInbound(HTTPServerRequestPart.head(head))
        try channel.writeInbound(HTTPServerRequestPart.end(nil))
        guard case .head(let forwarded)? = try channel.readInbound(as: HTTPServerRequestPart.self) else {
            Issue.record("no head came through")
            return []
        }
        #expect(try channel.readInbound(as: HTTPServerRequestPart.self) == .end(nil), "the rest of the request follows unchanged")
        return forwarded.headers[APIClientAddress.headerName]
    }

    @Test func theClientsOwnFieldIsReplacedAndOnlyATrustedProxyMayForward() throws {
        #expect(try stamped(peer: "203.0.113.9", trusted: [], headers: [(APIClientAddress.headerName, "198.51.100.1")]) == ["203.0.113.9"])
        #expect(try stamped(peer: "203.0.113.9", trusted: [], headers: [("X-Forwarded-For", "198.51.100.1")]) == ["203.0.113.9"])
        #expect(try stamped(peer: "10.0.0.2", trusted: ["10.0.0.0/8"], headers: [("X-Forwarded-For", "198.51.100.1")]) == ["198.51.100.1"])
    }

    @Test func aHeadAskingForAnUpgradeIsStampedAndTheHandlerLeavesThePipeline() throws {
        let channel = EmbeddedChannel()
        let stamp = ClientAddressStamp(peer: IPAddress("203.0.113.9"), addresses: ClientAddressResolver(trustedProxies: []))
        try channel.pipeline.syncOperations.addHandler(stamp)
        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/chat")
        head.headers.add(name: "Upgrade", value: "websocket")
        head.headers.add(name: "Connection", value: "Upgrade")
        try channel.writeInbound(HTTPServerRequestPart.head(head))
        #expect(throws: (any Error).self, "gone: frames after the upgrade never reach it") {
            _ = try channel.pipeline.syncOperations.context(handler: stamp)
        }
        // What follows the upgrade is not HTTP, and passes untouched.
        try channel.writeInbound(ByteBuffer(string: "a frame"))
        _ = try channel.readInbound(as: HTTPServerRequestPart.self)
        #expect(try channel.readInbound(as: ByteBuffer.self) == ByteBuffer(string: "a frame"))
    }
}
