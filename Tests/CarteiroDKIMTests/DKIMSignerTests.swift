import CarteiroTesting
import CarteiroDKIM
import Foundation
import Testing

@Suite struct DKIMSignerTests {
    /// RSA-2048 generation takes a while; one key pair serves every test.
    static let rsaKey = try! DKIMKey.generateRSA()
    static let ed25519Key = DKIMKey.generateEd25519()
    static let fixedTime = Date(timeIntervalSince1970: 1_790_000_000)

    private var signer: DKIMSigner {
        DKIMSigner(domain: "example.com", selector: "mail", keys: [Self.rsaKey, Self.ed25519Key], now: { Self.fixedTime })
    }

    private var records: [String: String] {
        [
            "mail._domainkey.example.com.": Self.rsaKey.dnsRecordText,
            "mail-ed25519._domainkey.example.com.": Self.ed25519Key.dnsRecordText,
        ]
    }

    private func signatureFields(_ signed: [UInt8]) -> [String] {
        let text = String(decoding: signed, as: UTF8.self)
        let header = text.components(separatedBy: "\r\n\r\n")[0]
        return header.replacingOccurrences(of: "\r\n ", with: " ").components(separatedBy: "\r\n")
            .filter { $0.hasPrefix("DKIM-Signature:") }
    }

    private func tag(_ name: String, in field: String) -> String? {
        for part in field.dropFirst("DKIM-Signature:".count).split(separator: ";") {
            let pair = part.split(separator: "=", maxSplits: 1)
            if pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces) == name {
                return pair[1].replacingOccurrences(of: " ", with: "")
            }
        }
        return nil
    }

    @Test func rsaAndEd25519SignaturesOnOneMessageVerifyWithDKIMPy() throws {
        let signed = try signer.sign(TestMessages.newsletter)
        let fields = signatureFields(signed)
        #expect(fields.map { tag("a", in: $0) } == ["rsa-sha256", "ed25519-sha256"])
        #expect(fields.map { tag("s", in: $0) } == ["mail", "mail-ed25519"])
        #expect(try DKIMPy.verify(signed, records: records) == [true, true])
    }

    @Test func modifiedBodyFailsVerification() throws {
        let signed = try signer.sign(TestMessages.newsletter)
        let tampered = TestMessages.replacing("novidades", with: "novidadez", in: signed)
        #expect(tampered != signed)
        #expect(try DKIMPy.verify(tampered, records: records) == [false, false])
    }

    @Test func modifiedSubjectFailsVerification() throws {
        let signed = try signer.sign(TestMessages.newsletter)
        let subject = "=?UTF-8?B?\(Data("Olá, ação confirmada".utf8).base64EncodedString())?="
        let tampered = TestMessages.replacing("Subject: \(subject)", with: "Subject: =?UTF-8?B?R2FuaGUgasOh?=", in: signed)
        #expect(tampered != signed)
        #expect(try DKIMPy.verify(tampered, records: records) == [false, false])
    }

    @Test func addedFromHeaderBelowTheOthersFailsVerification() throws {
        let signed = try signer.sign(TestMessages.newsletter)
        let tampered = TestMessages.appendingHeader("From: Attacker <ceo@evil.example>", to: signed)
        #expect(try DKIMPy.verify(tampered, records: records) == [false, false])
    }

    @Test func addedSubjectAboveTheOthersFailsVerification() throws {
        let signed = try signer.sign(TestMessages.newsletter)
        let tampered = Array("Subject: Urgent: pay this invoice\r\n".utf8) + signed
        #expect(try DKIMPy.verify(tampered, records: records) == [false, false])
    }

    // The control for the two tests above: without over-signing, a Subject added above the signed
    // one is not looked at by verifiers, so only over-signing is what makes them fail.
    @Test func withoutOverSigningAnAddedSubjectAboveStillVerifies() throws {
        let lax = DKIMSigner(domain: "example.com", selector: "mail", keys: [Self.ed25519Key], overSign: false, now: { Self.fixedTime })
        let signed = try lax.sign(TestMessages.newsletter)
        let tampered = Array("Subject: Urgent: pay this invoice\r\n".utf8) + signed
        #expect(try DKIMPy.verify(tampered, records: ["mail._domainkey.example.com.": Self.ed25519Key.dnsRecordText]) == [true])
    }

    @Test func signedHeaderListNamesPresentFieldsOnceMoreAndAbsentOnesNever() throws {
        let signed = try signer.sign(TestMessages.newsletter)
        let names = try #require(tag("h", in: signatureFields(signed)[0])).split(separator: ":").map(String.init)
        #expect(names.filter { $0 == "From" }.count == 2)
        #expect(names.filter { $0 == "List-Unsubscribe" }.count == 2)
        #expect(!names.contains("Cc"))
        #expect(!names.contains("X-Campaign"))
    }

    @Test func repeatedHeaderFieldsAreAllSignedAndStillVerify() throws {
        let message = TestMessages.appendingHeader("To: Carla <carla@example.org>", to: TestMessages.newsletter)
        let signed = try signer.sign(message)
        let names = try #require(tag("h", in: signatureFields(signed)[0])).split(separator: ":")
        #expect(names.filter { $0 == "To" }.count == 3)
        #expect(try DKIMPy.verify(signed, records: records) == [true, true])
    }

    @Test func signatureFieldLinesFitIn78Characters() throws {
        let signed = try signer.sign(TestMessages.newsletter)
        let header = String(decoding: signed, as: UTF8.self).components(separatedBy: "\r\n\r\n")[0]
        let lines = header.components(separatedBy: "\r\n")
        let signatureLines = lines.prefix { !$0.hasPrefix("From:") }
        #expect(signatureLines.count > 4)
        #expect(signatureLines.allSatisfy { $0.utf8.count <= 78 })
        #expect(!header.contains("\n\r") && !header.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
    }

    @Test func timestampComesFromTheInjectedClock() throws {
        let signed = try signer.sign(TestMessages.newsletter)
        #expect(signatureFields(signed).map { tag("t", in: $0) } == ["1790000000", "1790000000"])
    }

    @Test func originalMessageFollowsTheSignaturesByteForByte() throws {
        let message = TestMessages.newsletter
        let signed = try signer.sign(message)
        #expect(Array(signed.suffix(message.count)) == message)
        #expect(signed.starts(with: Array("DKIM-Signature: v=1; a=rsa-sha256;".utf8)))
    }

    @Test func bodyHashMatchesRFC8463Example() throws {
        let rfcSigner = DKIMSigner(domain: "football.example.com", selector: "brisbane", keys: [Self.ed25519Key])
        let signed = try rfcSigner.sign(TestMessages.rfc8463)
        #expect(tag("bh", in: signatureFields(signed)[0]) == "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=")
    }

    // RFC 8463 Appendix A: Ed25519 is deterministic, so the published key must reproduce the
    // published b= from the canonicalized header data — proof that what is signed is the SHA-256
    // digest of that data, canonicalized as RFC 6376 says.
    @Test func ed25519SignatureMatchesRFC8463Example() throws {
        let key = try DKIMKey.loadPEM("nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=")
        #expect(key.dnsPublicKey == "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=")
        let signedFields = [
            "From: Joe SixPack <joe@football.example.com>\r\n",
            "To: Suzie Q <suzie@shopping.example.net>\r\n",
            "Subject: Is dinner ready?\r\n",
            "Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n",
            "Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n",
        ]
        let signature = """
            DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;\r
             d=football.example.com; i=@football.example.com;\r
             q=dns/txt; s=brisbane; t=1528637909; h=from : to :\r
             subject : date : message-id : from : subject : date;\r
             bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r
             b=
            """
        var data = signedFields.flatMap { RelaxedCanonicalization.header(Array($0.utf8)) }
        data += RelaxedCanonicalization.header(Array(signature.utf8)).dropLast(2)
        let b = Data(try key.sign(canonicalHeaderData: data)).base64EncodedString()
        #expect(b == "/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11BusFa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==")
    }

    @Test func messageWithBareLineFeedsSignsAsItsCRLFForm() throws {
        let crlfMessage = TestMessages.newsletter
        let lfMessage = Array(String(decoding: crlfMessage, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n").utf8)
        let headers = try signer.signatureHeaders(for: lfMessage)
        #expect(try DKIMPy.verify(headers + crlfMessage, records: records) == [true, true])
    }

    @Test func messageWithoutFromIsRefused() throws {
        let message = TestMessages.crlf(["To: a@example.org", "Subject: hi", "", "body"])
        let error = try #require(throws: DKIMError.self) { try signer.sign(message) }
        #expect(error.code == .malformedMessage)
        #expect(error.field == "From")
    }

    @Test func lineThatIsNotAHeaderFieldIsRefused() throws {
        let message = TestMessages.crlf(["From: a@example.org", "this is not a header", "", "body"])
        let error = try #require(throws: DKIMError.self) { try signer.sign(message) }
        #expect(error.code == .malformedMessage)
        #expect(error.message.contains("line 2"))
    }

    @Test func invalidDomainOrSharedSelectorIsAConfigurationError() throws {
        let badDomain = DKIMSigner(domain: "exa mple.com", selector: "mail", keys: [Self.ed25519Key])
        #expect(throws: DKIMError.self) { try badDomain.validate() }
        let sharedSelector = DKIMSigner(
            domain: "example.com",
            keys: [.init(selector: "mail", key: Self.rsaKey), .init(selector: "mail", key: Self.ed25519Key)])
        let error = try #require(throws: DKIMError.self) { try sharedSelector.sign(TestMessages.newsletter) }
        #expect(error.code == .invalidConfiguration)
        #expect(error.field == "selector")
    }

    @Test func signsATypicalMessageWithinBudget() throws {
        var message = TestMessages.newsletter
        let paragraph = Array(
            TestMessages.crlf(Array(repeating: "Lorem ipsum dolor sit amet, consectetur   adipiscing elit, sed do eiusmod.", count: 40)))
        message = message + paragraph
        let ed25519 = DKIMSigner(domain: "example.com", selector: "mail", keys: [Self.ed25519Key])
        let rsa = DKIMSigner(domain: "example.com", selector: "mail", keys: [Self.rsaKey])
        func perSign(_ signer: DKIMSigner, rounds: Int) throws -> Duration {
            _ = try signer.sign(message)
            let clock = ContinuousClock()
            let elapsed = try clock.measure { for _ in 0..<rounds { _ = try signer.sign(message) } }
            return elapsed / rounds
        }
        let ed25519Time = try perSign(ed25519, rounds: 200)
        let rsaTime = try perSign(rsa, rounds: 50)
        print("DKIM sign of a \(message.count)-byte message: ed25519 \(ed25519Time), rsa-2048 \(rsaTime)")
        // Generous bounds: debug builds on two shared cores; release is several times faster.
        #expect(ed25519Time < .milliseconds(5))
        #expect(rsaTime < .milliseconds(50))
    }
}
