import CarteiroTesting
import CurlKit
import Logging
import Testing

@Suite struct SMTPClientTests {
    private let logger = Logger(label: "CurlKitTests")

    private func message(_ body: String, subject: String = "Test") -> [UInt8] {
        let text = "From: sender@example.test\nTo: rcpt@example.test\nSubject: \(subject)\n\n\(body)"
        return Array(text.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\r\n").utf8)
    }

    private func envelope(_ body: String = "Hello.\n", to recipients: [String] = ["rcpt@example.test"]) -> SMTPEnvelope {
        SMTPEnvelope(mailFrom: "sender@example.test", recipients: recipients, message: message(body))
    }

    private func client(_ url: String, maxConnections: Int = 1, configure: (inout SMTPRelayConfiguration) -> Void = { _ in }) -> SMTPClient {
        var configuration = SMTPRelayConfiguration(
            url: url, startTLS: .none, connectTimeout: .seconds(5), operationTimeout: .seconds(20), maxConnections: maxConnections,
            heloName: "client.example.test")
        configure(&configuration)
        return SMTPClient(configuration: configuration, logger: logger)
    }

    // MARK: Connection reuse

    @Test func carriesThousandMessagesOverOneConnection() async throws {
        let sink = try await SMTPSink.Postfix.start(recordMessages: true)
        defer { sink.stop() }
        let client = client(sink.url, maxConnections: 1)
        let outcomes = await client.send(batch: (0..<1000).map { envelope("Message \($0).\n") })
        await client.shutdown()

        #expect(outcomes.allSatisfy { $0.isAccepted })
        let counters = await sink.waitForCounters { $0.sessions >= 1 && $0.messages >= 1000 }
        #expect(counters.messages == 1000)
        #expect(counters.sessions == 1)
        #expect(sink.recordedMessageFiles().count == 1000)
    }

    @Test func singleSendsReuseTheConnection() async throws {
        let sink = try await SMTPSink.Scripted.start()
        defer { sink.stop() }
        let client = client(sink.url, maxConnections: 3)
        for index in 0..<20 {
            let outcome = await client.send(envelope("One at a time \(index).\n"))
            #expect(outcome.isAccepted)
        }
        await client.shutdown()
        #expect(sink.messageCount() == 20)
        #expect(sink.connectionCount() == 1)
    }

    @Test func connectionClosedByIdleRelayIsReplacedWithoutFailure() async throws {
        let sink = try await SMTPSink.Scripted.start(.init(idleTimeout: .milliseconds(500)))
        defer { sink.stop() }
        let client = client(sink.url)
        let first = await client.send(envelope("Before the relay hangs up.\n"))
        try await Task.sleep(for: .milliseconds(1500))
        let second = await client.send(envelope("After it hung up.\n"))
        await client.shutdown()

        #expect(first.isAccepted)
        #expect(second.isAccepted, "\(second)")
        #expect(sink.connectionCount() == 2)
    }

    @Test func batchUsesAtMostMaxConnections() async throws {
        let sink = try await SMTPSink.Postfix.start()
        defer { sink.stop() }
        let client = client(sink.url, maxConnections: 4)
        let outcomes = await client.send(batch: (0..<400).map { envelope("Parallel \($0).\n") })
        await client.shutdown()

        #expect(outcomes.allSatisfy { $0.isAccepted })
        let counters = await sink.waitForCounters { $0.messages >= 400 && $0.sessions == $0.quits && $0.sessions > 0 }
        #expect(counters.messages == 400)
        #expect((1...4).contains(counters.sessions))
    }

    @Test func slowDataRepliesOverlapAcrossConnections() async throws {
        let sink = try await SMTPSink.Scripted.start(.init(dataReplyDelay: .seconds(1)))
        defer { sink.stop() }
        let client = client(sink.url, maxConnections: 4)
        let outcomes = await client.send(batch: (0..<8).map { envelope("Slow \($0).\n") })
        await client.shutdown()

        #expect(outcomes.allSatisfy { $0.isAccepted })
        // Connections wait for their relay's answer side by side, not one after another
        // (alone this batch takes about 2 s rather than 8 s).
        #expect(sink.maxConcurrentDataReplies() >= 2)
        #expect(Set(sink.messages().map(\.connection)).count == 4)
    }

    // MARK: Classification

    @Test func classifiesTransientAndPermanentReplies() async throws {
        let sink = try await SMTPSink.Scripted.start(
            .init(
                recipientReplies: [(pattern: "^nobody@", reply: "550 5.1.1 <nobody@example.test>: Recipient address rejected")],
                everyNthMessage: (n: 2, reply: "451 4.3.0 Queue busy, retry in 30 seconds")))
        defer { sink.stop() }
        let client = client(sink.url)

        let first = await client.send(envelope("First.\n"))
        let second = await client.send(envelope("Second.\n"))
        let refused = await client.send(envelope("Third.\n", to: ["nobody@example.test"]))
        let fourth = await client.send(envelope("Fourth.\n"))
        await client.shutdown()

        guard case .accepted(let reply) = first else {
            Issue.record("first message not accepted: \(first)")
            return
        }
        #expect(reply?.hasPrefix("250 2.0.0") == true)

        let transient = try #require(second.failure)
        #expect(transient.isTransient)
        #expect(!transient.isPermanent)
        #expect(transient.replyCode == 451)
        #expect(transient.enhancedStatus == "4.3.0")
        #expect(transient.text == "Queue busy, retry in 30 seconds")
        #expect(transient.retryAfter == .seconds(30))

        let permanent = try #require(refused.failure)
        #expect(permanent.isPermanent)
        #expect(!permanent.isTransient)
        #expect(permanent.replyCode == 550)
        #expect(permanent.enhancedStatus == "5.1.1")
        #expect(permanent.text.contains("Recipient address rejected"))
        #expect(permanent.retryAfter == nil)

        #expect(fourth.isAccepted)
        #expect(sink.messageCount() == 2)
    }

    @Test func reportsRefusedRecipientsOfAnAcceptedMessage() async throws {
        let sink = try await SMTPSink.Scripted.start(
            .init(recipientReplies: [(pattern: "^nobody@", reply: "550 5.1.1 No such user")]))
        defer { sink.stop() }
        let client = client(sink.url)
        let result = await client.deliver(envelope("Two recipients.\n", to: ["nobody@example.test", "rcpt@example.test"]))
        await client.shutdown()

        #expect(result.outcome.isAccepted)
        #expect(result.refusedRecipients.map(\.recipient) == ["nobody@example.test"])
        #expect(result.refusedRecipients.first?.failure.replyCode == 550)
        #expect(sink.messages().first?.recipients == ["rcpt@example.test"])
    }

    @Test func refusedConnectionIsATransientFailureQuickly() async throws {
        let port = try freeLoopbackPort()
        let client = client("smtp://127.0.0.1:\(port)")
        let start = ContinuousClock.now
        let outcome = await client.send(envelope())
        let elapsed = ContinuousClock.now - start
        await client.shutdown()

        let failure = try #require(outcome.failure)
        #expect(failure.isTransient)
        #expect(!failure.isPermanent)
        #expect(failure.replyCode == nil)
        #expect(elapsed < .seconds(2))
    }

    // MARK: TLS and AUTH

    @Test func requiredStartTLSDeliversToSelfSignedSink() async throws {
        let sink = try await SMTPSink.Scripted.start(.init(startTLS: true))
        defer { sink.stop() }
        let client = client(sink.url) {
            $0.startTLS = .required
            $0.allowInsecureTLS = true
        }
        let outcome = await client.send(envelope("Over TLS.\n"))
        await client.shutdown()

        #expect(outcome.isAccepted, "\(outcome)")
        #expect(sink.messageCount() == 1)
    }

    @Test func requiredStartTLSFailsAgainstSinkWithoutIt() async throws {
        let sink = try await SMTPSink.Scripted.start()
        defer { sink.stop() }
        let client = client(sink.url) { $0.startTLS = .required }
        let outcome = await client.send(envelope("Must not go in the clear.\n"))
        await client.shutdown()

        let failure = try #require(outcome.failure)
        #expect(failure.isTransient)
        #expect(failure.text.contains("STARTTLS"))
        #expect(sink.messageCount() == 0)
    }

    @Test func selfSignedCertificateIsRefusedWithoutAllowInsecureTLS() async throws {
        let sink = try await SMTPSink.Scripted.start(.init(startTLS: true))
        defer { sink.stop() }
        let client = client(sink.url) { $0.startTLS = .required }
        let outcome = await client.send(envelope("Untrusted.\n"))
        await client.shutdown()

        let failure = try #require(outcome.failure)
        #expect(failure.isTransient)
        #expect(sink.messageCount() == 0)
    }

    @Test func authPlainWithRightCredentialsDelivers() async throws {
        let sink = try await SMTPSink.Scripted.start(.init(credentials: (username: "relay-user", password: "s3cret")))
        defer { sink.stop() }
        let client = client(sink.url) {
            $0.username = "relay-user"
            $0.password = "s3cret"
            $0.authMechanisms = ["PLAIN"]
        }
        let outcome = await client.send(envelope("Authenticated.\n"))
        await client.shutdown()

        #expect(outcome.isAccepted, "\(outcome)")
        #expect(sink.messageCount() == 1)
    }

    @Test func authPlainWithWrongCredentialsIsPermanent535() async throws {
        let sink = try await SMTPSink.Scripted.start(.init(credentials: (username: "relay-user", password: "s3cret")))
        defer { sink.stop() }
        let client = client(sink.url) {
            $0.username = "relay-user"
            $0.password = "wrong"
            $0.authMechanisms = ["PLAIN"]
        }
        let outcome = await client.send(envelope("Not authenticated.\n"))
        await client.shutdown()

        let failure = try #require(outcome.failure)
        #expect(failure.replyCode == 535)
        #expect(failure.isPermanent)
        #expect(sink.messageCount() == 0)
    }

    // MARK: Message bytes

    @Test func linesStartingWithDotArriveIntact() async throws {
        let sink = try await SMTPSink.Scripted.start()
        defer { sink.stop() }
        let client = client(sink.url)
        let bytes = message(".leading dot\n..two dots\n.\nmiddle . line\n. space\nend\n")
        let outcome = await client.send(SMTPEnvelope(mailFrom: "sender@example.test", recipients: ["rcpt@example.test"], message: bytes))
        await client.shutdown()

        #expect(outcome.isAccepted)
        let recorded = try #require(sink.messages().first)
        #expect(recorded.data == bytes)
    }

    @Test func eightBitUTF8BodyArrivesByteExact() async throws {
        let sink = try await SMTPSink.Scripted.start()
        defer { sink.stop() }
        let client = client(sink.url)
        let bytes = message("Olá, ação — 日本語 ✓ Ünïcödé\nçãõ 🚀\n")
        let outcome = await client.send(SMTPEnvelope(mailFrom: "sender@example.test", recipients: ["rcpt@example.test"], message: bytes))
        await client.shutdown()

        #expect(outcome.isAccepted)
        let recorded = try #require(sink.messages().first)
        #expect(recorded.data == bytes)
        #expect(recorded.mailFrom == "sender@example.test")
    }

    // MARK: Probe and shutdown

    @Test func probeIsNilForLiveSink() async throws {
        let sink = try await SMTPSink.Scripted.start()
        defer { sink.stop() }
        let client = client(sink.url)
        let failure = await client.probe()
        await client.shutdown()
        #expect(failure == nil)
        #expect(sink.connectionCount() == 1)
    }

    @Test func probeIsTransientForDeadPort() async throws {
        let client = client("smtp://127.0.0.1:\(try freeLoopbackPort())")
        let failure = await client.probe()
        await client.shutdown()
        #expect(failure?.isTransient == true)
    }

    @Test func sendAfterShutdownFailsAtOnce() async throws {
        let sink = try await SMTPSink.Scripted.start()
        defer { sink.stop() }
        let client = client(sink.url)
        await client.shutdown()
        let outcome = await client.send(envelope())
        let failure = try #require(outcome.failure)
        #expect(!failure.isTransient && !failure.isPermanent)
        #expect(sink.messageCount() == 0)
    }
}
