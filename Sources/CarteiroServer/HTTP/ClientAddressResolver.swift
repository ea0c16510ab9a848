import Foundation
import NIOHTTP1

/// The address of the client behind a connection: the peer's own, unless the peer is a trusted
/// proxy (`--trusted-proxy`); then the address that proxy forwarded (`Forwarded: for=`, RFC 7239,
/// else `X-Forwarded-For`), read from the right through any further trusted proxies. Anyone can
/// write those headers, so they are ignored from any other peer.
struct ClientAddressResolver: Sendable {
    let trustedProxies: [AddressRange]

    func client(peer: IPAddress?, headers: HTTPHeaders) -> IPAddress? {
        client(peer: peer, forwarded: headers["forwarded"], xForwardedFor: headers["x-forwarded-for"])
    }

    /// The same, from the values of the `Forwarded` and `X-Forwarded-For` fields.
    func client(peer: IPAddress?, forwarded: [String], xForwardedFor: [String]) -> IPAddress? {
        guard var client = peer, isTrusted(client) else { return peer }
        for hop in Self.forwardedChain(forwarded: forwarded, xForwardedFor: xForwardedFor).reversed() {
            // A hop written as "unknown" or obfuscated: the proxy that wrote it is as far back as can be seen.
            guard let address = hop else { return client }
            client = address
            if !isTrusted(address) { break }
        }
        return client
    }

    func isTrusted(_ address: IPAddress) -> Bool {
        trustedProxies.contains { $0.contains(address) }
    }

    /// The forwarded addresses, the original client first; nil for a hop that is no address.
    static func forwardedChain(forwarded: [String], xForwardedFor: [String]) -> [IPAddress?] {
        if !forwarded.isEmpty {
            return forwarded.flatMap { $0.split(separator: ",") }.map { element in
                let pair = element.split(separator: ";").first { $0.trimmingCharacters(in: .whitespaces).lowercased().hasPrefix("for=") }
                return pair.flatMap { hopAddress($0.trimmingCharacters(in: .whitespaces).dropFirst("for=".count)) }
            }
        }
        return xForwardedFor.flatMap { $0.split(separator: ",") }.map { hopAddress($0) }
    }

    /// `192.0.2.1`, `192.0.2.1:4711`, `"[2001:db8::1]:4711"`, `2001:db8::1`.
    static func hopAddress(_ text: some StringProtocol) -> IPAddress? {
        var value = Substring(text.trimmingCharacters(in: .whitespaces))
        if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = value.dropFirst().dropLast() }
        if value.hasPrefix("[") {
            guard let end = value.firstIndex(of: "]") else { return nil }
            return IPAddress(value[value.index(after: value.startIndex)..<end])
        }
        if value.filter({ $0 == ":" }).count == 1, let colon = value.firstIndex(of: ":") { value = value[..<colon] }
        return IPAddress(value)
    }
}
