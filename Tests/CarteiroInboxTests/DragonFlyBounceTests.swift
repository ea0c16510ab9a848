import CarteiroInbox
import CarteiroMIME
import Testing

/// The DragonFly Mail Agent bounces in the corpus were sent to addresses named after the reason a
/// test server refused them with (`userunknown@…`, `mailboxfull@…`), which Sisimai 4.25 does not
/// read at all: an independent check of what `permanent` means.
@Suite struct DragonFlyBounceTests {
    static let gone: Set<String> = ["userunknown", "hostunknown", "hasmoved"]
    static let refused: Set<String> = [
        "mailboxfull", "blocked", "spamdetected", "policyviolation", "securityerror", "suspend", "contenterror", "exceedlimit", "mesgtoobig",
        "mailererror", "systemerror", "norelaying", "virusdetected", "authfailure", "expired",
    ]

    @Test func onlyAGoneAddressIsPermanent() throws {
        let bounces = try Fixtures.messages(in: "bounces/maildir/bsd").filter { $0.name.hasPrefix("lhost-dragonfly-") }
        try #require(bounces.count == 30)
        var judged = 0
        for (name, bytes) in bounces {
            let classification = MessageClassifier.classify(ParsedMessage.parse(bytes), context: ClassificationContext())
            #expect(classification.kind == .bounce, "\(name)")
            let recipient = try #require(classification.bounces.first, "\(name)")
            #expect(classification.bounces.count == 1, "\(name)")
            let reason = String(recipient.recipient.prefix { $0 != "@" })
            if Self.gone.contains(reason) {
                #expect(recipient.permanent, "\(name): \(recipient)")
                judged += 1
            } else if Self.refused.contains(reason) {
                #expect(!recipient.permanent, "\(name): \(recipient)")
                judged += 1
            }
        }
        #expect(judged >= 15)
    }
}
