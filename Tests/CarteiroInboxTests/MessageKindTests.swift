import CarteiroInbox
import Testing

@Suite struct MessageKindTests {
    @Test func rawValuesAreTheWatcherNames() {
        #expect(
            MessageKind.allCases.map(\.rawValue) == ["confirm", "decline", "signup", "unsubscribe", "auto_reply", "bounce", "complaint", "other"])
    }
}
