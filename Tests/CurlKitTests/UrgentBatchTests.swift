import CarteiroTesting
import CurlKit
import Logging
import Testing

/// An urgent batch (transactional mail) goes ahead of bulk messages already waiting for a connection.
@Suite struct UrgentBatchTests {
    @Test func anUrgentMessageOvertakesTheBulkMessagesQueuedBeforeIt() async throws {
        let sink = try await SMTPSink.Scripted.start(.init(dataReplyDelay: .milliseconds(40)))
        defer { sink.stop() }
        let client = SMTPClient(
            configuration: SMTPRelayConfiguration(url: sink.url, startTLS: .none, connectTimeout: .seconds(5), maxConnections: 1),
            logger: Logger(label: "test.urgent"))
        func envelope(_ recipient: String) -> SMTPEnvelope {
            let text = "From: sender@example.test\r\nTo: \(recipient)\r\nSubject: t\r\n\r\nHello.\r\n"
            return SMTPEnvelope(mailFrom: "sender@example.test", recipients: [recipient], message: Array(text.utf8))
        }
        let bulk = Task { await client.send(batch: (0..<20).map { envelope("bulk\($0)@example.test") }) }
        // Let the bulk batch reach the queue and its first message the connection.
        while sink.connectionCount() == 0 { try await Task.sleep(for: .milliseconds(5)) }
        let urgent = await client.send(batch: [envelope("urgent@example.test")], urgent: true)
        #expect(urgent.count == 1 && urgent.allSatisfy { if case .accepted = $0 { true } else { false } })
        let bulkOutcomes = await bulk.value
        #expect(bulkOutcomes.allSatisfy { if case .accepted = $0 { true } else { false } })
        let order = sink.messages().flatMap(\.recipients)
        let position = order.firstIndex(of: "urgent@example.test") ?? order.count
        #expect(position <= 3, "urgent went out at position \(position) of \(order.count)")
        await client.shutdown()
    }
}
