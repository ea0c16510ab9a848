import CarteiroDKIM
import CarteiroTesting
import Foundation
import Testing

@Suite struct DKIMKeyTests {
    static let rfc8463Seed = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A="
    static let rfc8463PublicKey = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="

    private func pem(_ label: String, _ der: [UInt8]) -> String {
        let base64 = Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        return "-----BEGIN \(label)-----\n\(base64)\n-----END \(label)-----\n"
    }

    private func der(fromPEM pem: String) -> [UInt8] {
        let body = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        return [UInt8](Data(base64Encoded: body) ?? Data())
    }

    /// DER TLV with a definite length.
    private func tlv(_ tag: UInt8, _ content: [UInt8]) -> [UInt8] {
        var length: [UInt8]
        if content.count < 128 {
            length = [UInt8(content.count)]
        } else {
            var bytes: [UInt8] = []
            var count = content.count
            while count > 0 {
                bytes.insert(UInt8(count & 0xFF), at: 0)
                count >>= 8
            }
            length = [0x80 | UInt8(bytes.count)] + bytes
        }
        return [tag] + length + content
    }

    @Test func rsaKeyIsWrittenAsPKCS1PEMAndReadBack() throws {
        let key = try DKIMKey.generateRSA()
        #expect(key.pem.hasPrefix("-----BEGIN RSA PRIVATE KEY-----"))
        #expect(key.algorithmTag == "rsa-sha256")
        let loaded = try DKIMKey.loadPEM(key.pem)
        #expect(loaded.dnsPublicKey == key.dnsPublicKey)
        #expect(loaded.algorithmTag == "rsa-sha256")
    }

    @Test func rsaKeyIsReadFromPKCS8PEM() throws {
        let key = try DKIMKey.generateRSA()
        let rsaEncryption: [UInt8] = [0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01, 0x05, 0x00]
        let pkcs8 = tlv(0x30, [0x02, 0x01, 0x00] + tlv(0x30, rsaEncryption) + tlv(0x04, der(fromPEM: key.pem)))
        let loaded = try DKIMKey.loadPEM(pem("PRIVATE KEY", pkcs8))
        #expect(loaded.dnsPublicKey == key.dnsPublicKey)
        #expect(loaded.algorithmTag == "rsa-sha256")
    }

    @Test func ed25519KeyIsReadFromPKCS8PEMAndFromDKIMPysRawSeed() throws {
        let prefix: [UInt8] = [0x30, 0x2E, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]
        let seed = [UInt8](Data(base64Encoded: Self.rfc8463Seed)!)
        let fromPEM = try DKIMKey.loadPEM(pem("PRIVATE KEY", prefix + seed))
        let fromSeed = try DKIMKey.loadPEM(Self.rfc8463Seed + "\n")
        #expect(fromPEM.dnsPublicKey == Self.rfc8463PublicKey)
        #expect(fromSeed.dnsPublicKey == Self.rfc8463PublicKey)
        #expect(fromPEM.algorithmTag == "ed25519-sha256")
        #expect(fromPEM.pem.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        #expect(try DKIMKey.loadPEM(fromPEM.pem).dnsPublicKey == Self.rfc8463PublicKey)
    }

    @Test func unreadableAndEncryptedKeysAreRefused() {
        for text in [
            "", "hello", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----",
        ] {
            #expect(throws: DKIMError.self, "\(text)") { try DKIMKey.loadPEM(text) }
        }
    }

    @Test func ed25519RecordCarriesTheRaw32BytePublicKey() throws {
        let key = try DKIMKey.loadPEM(Self.rfc8463Seed)
        #expect(key.dnsRecordText == "v=DKIM1; k=ed25519; p=\(Self.rfc8463PublicKey)")
        #expect(
            key.dnsTXTRecord(domain: "football.example.com", selector: "brisbane")
                == "brisbane._domainkey.football.example.com. IN TXT \"v=DKIM1; k=ed25519; p=\(Self.rfc8463PublicKey)\"")
    }

    @Test func rsaRecordIsSplitInto255CharacterStrings() throws {
        let key = try DKIMKey.generateRSA()
        let record = key.dnsTXTRecord(domain: "example.com.", selector: "mail")
        let prefix = "mail._domainkey.example.com. IN TXT "
        #expect(record.hasPrefix(prefix))
        let strings = record.dropFirst(prefix.count).split(separator: " \"").map { $0.replacingOccurrences(of: "\"", with: "") }
        #expect(strings.count == 2)
        #expect(strings.allSatisfy { $0.utf8.count <= 255 })
        #expect(strings.joined() == "v=DKIM1; k=rsa; p=\(key.dnsPublicKey)")
    }

    /// The `p=` value of a zone-file line printed by keygen.
    private func publicKey(inRecord record: String) -> String? {
        let text = record.split(separator: "\"").enumerated().filter { $0.offset % 2 == 1 }.map(\.element).joined()
        return text.components(separatedBy: "p=").last
    }

    @Test func keygenWritesOwnerOnlyKeyFilesWhosePublicKeysAreInThePrintedRecords() throws {
        let folder = try TemporaryDirectory(prefix: "carteiro-dkim-keygen")
        defer { folder.remove() }
        let generated = try DKIMKeyGenerator.generate(
            domain: "example.com", selector: "mail", algorithms: [.rsaSHA256, .ed25519SHA256], directory: folder.path)
        #expect(generated.map(\.selector) == ["mail", "mail-ed25519"])
        #expect(generated.map { URL(fileURLWithPath: $0.path).lastPathComponent } == ["mail.rsa.pem", "mail.ed25519.pem"])
        for key in generated {
            let attributes = try FileManager.default.attributesOfItem(atPath: key.path)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
            let written = try DKIMKey.loadPEM(String(contentsOfFile: key.path, encoding: .utf8))
            #expect(written.algorithm == key.key.algorithm)
            #expect(key.dnsRecord.hasPrefix("\(key.selector)._domainkey.example.com. IN TXT \"v=DKIM1; k=\(written.algorithm.keyType); p="))
            #expect(publicKey(inRecord: key.dnsRecord) == written.dnsPublicKey)
        }
    }

    @Test func keygenRefusesToOverwriteAnExistingKeyFile() throws {
        let folder = try TemporaryDirectory(prefix: "carteiro-dkim-keygen")
        defer { folder.remove() }
        let existing = folder.url.appendingPathComponent("mail.rsa.pem")
        try Data("precious key\n".utf8).write(to: existing)
        let error = try #require(throws: DKIMError.self) {
            try DKIMKeyGenerator.generate(domain: "example.com", selector: "mail", algorithms: [.ed25519SHA256, .rsaSHA256], directory: folder.path)
        }
        #expect(error.code == .keyFileExists)
        #expect(try String(contentsOf: existing, encoding: .utf8) == "precious key\n")
        #expect(!FileManager.default.fileExists(atPath: folder.url.appendingPathComponent("mail.ed25519.pem").path))
    }
}
