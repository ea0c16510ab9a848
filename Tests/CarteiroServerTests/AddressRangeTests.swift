import CarteiroServer
import Configuration
import Testing

/// `--trusted-proxy` values: addresses and CIDR blocks of both families.
@Suite struct AddressRangeTests {
    @Test func aBlockContainsTheAddressesOfItsPrefixAndNoOthers() throws {
        let block = try #require(AddressRange("10.0.0.0/8"))
        #expect(block.contains(try #require(IPAddress("10.200.3.4"))))
        #expect(!block.contains(try #require(IPAddress("11.0.0.1"))))
        let v6 = try #require(AddressRange("2001:db8::/32"))
        #expect(v6.contains(try #require(IPAddress("2001:db8:ffff::1"))))
        #expect(!v6.contains(try #require(IPAddress("2001:db9::1"))))
        #expect(!v6.contains(try #require(IPAddress("10.0.0.1"))))
    }

    @Test func aSingleAddressIsARangeOfOneAndIPv4MappedIPv6IsTheSameClient() throws {
        let one = try #require(AddressRange("192.0.2.7"))
        #expect(one.contains(try #require(IPAddress("192.0.2.7"))))
        #expect(one.contains(try #require(IPAddress("::ffff:192.0.2.7"))))
        #expect(!one.contains(try #require(IPAddress("192.0.2.8"))))
        #expect(one.description == "192.0.2.7")
        #expect(AddressRange("2001:db8::/48")?.description == "2001:db8::/48")
    }

    @Test func textThatIsNoAddressOrBlockIsRefused() {
        for text in ["", "proxy.example", "10.0.0.0/33", "2001:db8::/129", "10.0.0.0/-1", "1.2.3", "[::1]"] {
            #expect(AddressRange(text) == nil, "\(text)")
        }
    }

    @Test func aTrustedProxyThatIsNoAddressStopsTheConfigurationNamingTheFlag() async throws {
        var sources = ConfigurationSources(
            settings: ServerConfiguration.settings, file: nil, environment: ["CARTEIRO_TRUSTED_PROXIES": "10.0.0.0/8,lb.internal"])
        let reading = try await sources.makeReader()
        let error = #expect(throws: ConfigurationError.self) { _ = try ServerConfiguration(reader: reading.reader) }
        #expect(error?.key == "trusted-proxy")
        #expect(error?.message.contains("lb.internal") == true)
        sources.flag(HTTPConfiguration.Keys.trustedProxies, ["10.0.0.0/8", "::1"])
        let configuration = try ServerConfiguration(reader: try await sources.makeReader().reader)
        #expect(configuration.http.trustedProxies.map(\.description) == ["10.0.0.0/8", "::1"])
    }
}
