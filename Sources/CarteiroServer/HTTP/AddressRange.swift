import Foundation

/// An address or a CIDR block (`10.0.0.0/8`, `2001:db8::/32`, `192.0.2.7`): a proxy, or a
/// group of proxies, whose forwarded client address is believed.
public struct AddressRange: Hashable, Sendable, CustomStringConvertible {
    let network: IPAddress
    /// Leading bits that must match, out of 128 (an IPv4 prefix is counted after the 96 bits of
    /// `::ffff:0:0/96`).
    let prefixLength: Int

    /// Parses `ADDRESS` or `ADDRESS/BITS`; nil for anything else.
    public init?(_ text: String) {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = parts.first.flatMap({ IPAddress($0) }) else { return nil }
        let width = address.isIPv4 ? 32 : 128
        var bits = width
        if parts.count == 2 {
            guard let given = Int(parts[1]), (0...width).contains(given) else { return nil }
            bits = given
        }
        prefixLength = bits + (128 - width)
        network = Self.masked(address, prefixLength: prefixLength)
    }

    public func contains(_ address: IPAddress) -> Bool {
        Self.masked(address, prefixLength: prefixLength) == network
    }

    public var description: String {
        let width = network.isIPv4 ? 32 : 128
        let bits = prefixLength - (128 - width)
        return bits == width ? "\(network)" : "\(network)/\(bits)"
    }

    static func masked(_ address: IPAddress, prefixLength: Int) -> IPAddress {
        func mask(_ bits: Int) -> UInt64 { bits <= 0 ? 0 : bits >= 64 ? .max : ~(UInt64.max >> UInt64(bits)) }
        return IPAddress(high: address.high & mask(prefixLength), low: address.low & mask(prefixLength - 64))
    }
}
