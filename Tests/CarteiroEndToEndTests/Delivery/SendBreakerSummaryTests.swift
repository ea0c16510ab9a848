import CarteiroTesting
import Foundation
import Testing

/// `carteiro send`'s summary lists the breaker changes of its relays.
@Suite(.serialized) struct SendBreakerSummaryTests {
    @Test func aRelayDeferringEverythingOpensItsBreakerWhichTheSummaryReportsWhileTheOtherRelaySendsAll() async throws {
        let good = try await SMTPSink.Scripted.start()
        defer { good.stop() }
        let busy = try await SMTPSink.Scripted.start(.init(recipientReplies: [(pattern: ".", reply: "451 4.3.2 System busy")]))
        defer { busy.stop() }
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let recipients = (0..<40).flatMap { ["--to", "user\($0)@example.com"] }
        let result = try await CarteiroProcess.run(
            ["send", "--from", "a@isp.example", "--subject", "x", "--text", "y", "--data-dir", folder.path, "--batch-size", "5", "--json",
             "--relay", good.url, "--relay", busy.url] + recipients)
        #expect(result.exitCode == 0, "\(result.standardError)")
        let summary = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
        #expect(summary?["sent"] as? Int == 40)
        let events = summary?["breakerEvents"] as? [String] ?? []
        #expect(events.contains { $0.hasPrefix(busy.url) && $0.contains("closed → open") }, "\(events)")
        #expect(busy.messageCount() == 0)
        #expect(Set(good.messages().flatMap(\.recipients)).count == 40)
    }
}
