import CurlKit
import Testing

@Suite struct SMTPFailureTests {
    @Test func splitsReplyIntoCodeEnhancedStatusAndText() {
        let failure = SMTPFailure.reply("550 5.1.1 <nobody@example.test>: Recipient address rejected")
        #expect(failure.replyCode == 550)
        #expect(failure.enhancedStatus == "5.1.1")
        #expect(failure.text == "<nobody@example.test>: Recipient address rejected")
        #expect(failure.isPermanent)
        #expect(!failure.isTransient)
    }

    @Test func joinsMultiLineReplies() {
        let failure = SMTPFailure.reply("451-4.7.1 Greylisted\n451 4.7.1 please retry in 5 minutes")
        #expect(failure.replyCode == 451)
        #expect(failure.enhancedStatus == "4.7.1")
        #expect(failure.text == "Greylisted please retry in 5 minutes")
        #expect(failure.isTransient)
        #expect(failure.retryAfter == .seconds(300))
    }

    @Test func readsRetryAfterFromCommonPhrasings() {
        #expect(SMTPFailure.reply("451 4.3.0 try again in 30 seconds").retryAfter == .seconds(30))
        #expect(SMTPFailure.reply("421 4.7.0 retry after 120s").retryAfter == .seconds(120))
        #expect(SMTPFailure.reply("450 Please retry in 5 minutes").retryAfter == .seconds(300))
        #expect(SMTPFailure.reply("452 Try again later in 2 min").retryAfter == .seconds(120))
        #expect(SMTPFailure.reply("451 4.3.0 Try again later").retryAfter == nil)
    }

    @Test func replyWithoutEnhancedStatusHasNone() {
        let failure = SMTPFailure.reply("554 Transaction failed")
        #expect(failure.replyCode == 554)
        #expect(failure.enhancedStatus == nil)
        #expect(failure.text == "Transaction failed")
    }

    @Test func transportFailuresAreTransientWithoutReplyCode() {
        let failure = SMTPFailure.transport("Failed to connect")
        #expect(failure.isTransient)
        #expect(!failure.isPermanent)
        #expect(failure.replyCode == nil)
    }
}
