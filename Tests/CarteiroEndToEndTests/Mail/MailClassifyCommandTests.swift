import CarteiroTesting
import Foundation
import Testing

/// `carteiro mail classify` as a process, over the real mail in Tests/Fixtures.
@Suite struct MailClassifyCommandTests {
    private func fixture(_ path: String) throws -> String {
        try fixturesDirectory(startingAt: #filePath).appendingPathComponent(path).path
    }

    @Test func writesOneJSONObjectPerFileWithKindReplyAndReportRecipients() async throws {
        let files = try ["replies/gmail.eml", "bounces/maildir/bsd/lhost-qmail-02.eml", "bounces/maildir/bsd/arf-01.eml"].map(fixture)
        let result = try await CarteiroProcess.run(["mail", "classify", "--json"] + files)
        #expect(result.exitCode == 0, "\(result.standardError)")
        let lines = result.standardOutput.split(separator: "\n")
        try #require(lines.count == 3, "\(result.standardOutput)")
        let objects = try lines.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        for object in objects {
            #expect(Set(object.keys) == ["file", "kind", "reply_text", "email", "name", "bounces"], "\(object)")
        }
        #expect(lines[0].hasPrefix("{\"file\":\"\(files[0])\""), "keys in the documented order, the path as given: \(lines[0])")
        #expect(objects[0]["kind"] as? String == "other")
        #expect(objects[0]["reply_text"] as? String == "Hello")
        #expect(objects[0]["name"] as? String == "Megan One")
        #expect(objects[1]["kind"] as? String == "bounce")
        #expect(objects[1]["reply_text"] is NSNull)
        let bounces = try #require(objects[1]["bounces"] as? [[String: Any]])
        #expect(bounces.first?["recipient"] as? String == "userunknown@example.jp")
        #expect(bounces.first?["status"] as? String == "5.1.1")
        #expect(bounces.first?["permanent"] as? Bool == true)
        #expect(objects[2]["kind"] as? String == "complaint")
        #expect((objects[2]["bounces"] as? [[String: Any]])?.first?["recipient"] as? String == "redacted@example.net")
    }

    @Test func withoutJSONEachFileGetsOneReadableLine() async throws {
        let files = try ["replies/iphone.eml", "bounces/maildir/bsd/rfc3834-02.eml"].map(fixture)
        let result = try await CarteiroProcess.run(["mail", "classify"] + files)
        #expect(result.exitCode == 0, "\(result.standardError)")
        let lines = result.standardOutput.split(separator: "\n")
        try #require(lines.count == 2, "\(result.standardOutput)")
        #expect(lines[0].hasSuffix("iphone.eml: other from xxx@gmail.com (xxx) reply \"Hello\""), "\(lines[0])")
        #expect(lines[1].contains(": auto_reply "), "\(lines[1])")
    }

    @Test func anUnreadableFileExitsTwoWithOneLineNamingIt() async throws {
        let result = try await CarteiroProcess.run(["mail", "classify", "--json", "/nonexistent/message.eml", try fixture("replies/gmail.eml")])
        #expect(result.exitCode == 2)
        #expect(result.standardError.split(separator: "\n").count == 1, "\(result.standardError)")
        #expect(result.standardError.contains("/nonexistent/message.eml"))
        #expect(result.standardOutput.isEmpty)
    }
}
