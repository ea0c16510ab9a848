import CarteiroInbox
import CarteiroMIME
import Foundation
import Testing

@Suite struct BounceClassificationTests {
    static let context = ClassificationContext()

    @Test func deliveryStatusNotificationGivesRecipientStatusAndTheOriginalMessageID() {
        let report = message(
            """
            From: Mail Delivery System <MAILER-DAEMON@mx.example.net>
            To: confirmar@example.com.br
            Subject: Undelivered Mail Returned to Sender
            Auto-Submitted: auto-replied
            Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

            --b1
            Content-Type: text/plain

            Your message could not be delivered.

            --b1
            Content-Type: message/delivery-status

            Reporting-MTA: dns; mx.example.net

            Final-Recipient: rfc822; nobody-here@example.org
            Action: failed
            Status: 5.1.1
            Diagnostic-Code: smtp; 550 5.1.1 <nobody-here@example.org>: Recipient address rejected: User unknown

            Final-Recipient: rfc822; full@example.org
            Action: failed
            Status: 5.2.2
            Diagnostic-Code: smtp; 552 5.2.2 Mailbox full

            --b1
            Content-Type: text/rfc822-headers

            From: confirmar@example.com.br
            To: nobody-here@example.org
            Subject: Confirme sua inscrição
            Message-ID: <job-42@example.com.br>

            --b1--
            """
        )
        let classification = MessageClassifier.classify(report, context: Self.context)
        #expect(classification.kind == .bounce)
        #expect(
            classification.bounces == [
                BounceRecipient(recipient: "nobody-here@example.org", status: "5.1.1", permanent: true),
                BounceRecipient(recipient: "full@example.org", status: "5.2.2", permanent: false),
            ])
        #expect(classification.originalMessageID == "job-42@example.com.br")
        #expect(classification.referencedMessageIDs.contains("job-42@example.com.br"))
        #expect(classification.replyText == nil)
        #expect(classification.email == nil, "a bounce is about its recipients, not its sender")
    }

    @Test func delayNoticeIsTemporary() {
        let report = message(
            """
            From: MAILER-DAEMON@mx.example.net
            Subject: Delayed Mail (still being retried)
            Content-Type: multipart/report; report-type=delivery-status; boundary="b2"

            --b2
            Content-Type: message/delivery-status

            Final-Recipient: rfc822; slow@example.org
            Action: delayed
            Status: 4.4.7

            --b2--
            """
        )
        let classification = MessageClassifier.classify(report, context: Self.context)
        #expect(classification.kind == .bounce)
        #expect(classification.bounces == [BounceRecipient(recipient: "slow@example.org", status: "4.4.7", permanent: false)])
    }

    @Test func qmailPlainTextBounceNamesEachRecipientWithItsOwnStatus() {
        let report = message(
            """
            From: MAILER-DAEMON@mx.example.jp
            To: confirmar@example.com.br
            Subject: failure notice

            Hi. This is the qmail-send program at mx.example.jp.
            I'm afraid I wasn't able to deliver your message to the following addresses.
            This is a permanent error; I've given up. Sorry it didn't work out.

            <gone@example.jp>:
            192.0.2.153 does not like recipient.
            Remote host said: 550 5.1.1 <gone@example.jp>... User Unknown
            Giving up on 192.0.2.153.

            <blocked@example.jp>:
            192.0.2.153 does not like recipient.
            Remote host said: 554 5.7.1 <blocked@example.jp>... Rejected by policy
            Giving up on 192.0.2.153.

            --- Below this line is a copy of the message.

            Return-Path: <confirmar@example.com.br>
            From: confirmar@example.com.br
            To: gone@example.jp, blocked@example.jp
            Message-ID: <job-7@example.com.br>
            Subject: Confirme

            Responda SIM
            """
        )
        let classification = MessageClassifier.classify(report, context: Self.context)
        #expect(classification.kind == .bounce)
        #expect(
            classification.bounces == [
                BounceRecipient(recipient: "gone@example.jp", status: "5.1.1", permanent: true),
                BounceRecipient(recipient: "blocked@example.jp", status: "5.7.1", permanent: false),
            ])
        #expect(classification.originalMessageID == "job-7@example.com.br")
    }

    @Test func eximFailedRecipientsHeaderNamesTheRecipients() {
        let report = message(
            """
            From: Mail Delivery System <Mailer-Daemon@mx.example.org>
            To: confirmar@example.com.br
            Subject: Mail delivery failed: returning message to sender
            X-Failed-Recipients: ana@example.org

            This message was created automatically by mail delivery software.

            A message that you sent could not be delivered to one or more of its
            recipients. This is a permanent error. The following address(es) failed:

              ana@example.org
                SMTP error from remote mail server after RCPT TO:<ana@example.org>:
                host mx.example.org [192.0.2.1]: 550 5.1.1 No such user here
            """
        )
        let classification = MessageClassifier.classify(report, context: Self.context)
        #expect(classification.kind == .bounce)
        #expect(classification.bounces == [BounceRecipient(recipient: "ana@example.org", status: "5.1.1", permanent: true)])
    }

    @Test func unknownHostNamedInTheSentenceIsPermanentButATemporaryLookupFailureIsNot() {
        func bounce(_ reason: String) -> BounceRecipient? {
            let report = message(
                """
                From: MAILER-DAEMON <>
                To: confirmar@example.com.br
                Subject: Mail delivery failed

                There was an error delivering your mail to <ana@gone.example>.

                \(reason)

                Message headers follow.
                """
            )
            return MessageClassifier.classify(report, context: Self.context).bounces.first
        }
        #expect(bounce("DNS lookup failure: host gone.example not found")?.permanent == true)
        #expect(bounce("Name service error for domain gone.example: Host not found, try again")?.permanent == false)
    }

    @Test func feedbackReportIsAComplaintAboutItsRecipient() {
        let report = message(
            """
            From: feedback@fbl.example.net
            To: abuse@example.com.br
            Subject: FW: Confirme
            Content-Type: multipart/report; report-type=feedback-report; boundary="f1"

            --f1
            Content-Type: text/plain

            This is an email abuse report.

            --f1
            Content-Type: message/feedback-report

            Feedback-Type: abuse
            User-Agent: SomeGenerator/1.0
            Version: 1
            Original-Rcpt-To: <Complainer@Example.net>

            --f1
            Content-Type: message/rfc822

            From: confirmar@example.com.br
            To: complainer@example.net
            Message-ID: <job-9@example.com.br>
            Subject: Confirme

            SIM ou NÃO?
            --f1--
            """
        )
        let classification = MessageClassifier.classify(report, context: Self.context)
        #expect(classification.kind == .complaint)
        #expect(classification.bounces.map(\.recipient) == ["complainer@example.net"])
        #expect(classification.originalMessageID == "job-9@example.com.br")
    }

    @Test func amazonSESBounceNotificationInsideAnSNSEnvelopeIsABounce() {
        let notification = message(
            #"""
            From: AWS Notifications <no-reply@sns.amazonaws.com>
            To: bounces@example.com.br
            Subject: AWS Notification Message
            Content-Type: text/plain; charset=UTF-8

            {
              "Type" : "Notification",
              "Message" : "{\"notificationType\":\"Bounce\",\"bounce\":{\"bounceType\":\"Permanent\",\"bouncedRecipients\":[{\"emailAddress\":\"gone@example.org\",\"action\":\"failed\",\"status\":\"5.1.1\",\"diagnosticCode\":\"smtp; 550 5.1.1 user unknown\"}]},\"mail\":{\"messageId\":\"0101-ses-id\",\"headers\":[{\"name\":\"From\",\"value\":\"confirmar@example.com.br\"},{\"name\":\"Message-ID\",\"value\":\"<job-5@example.com.br>\"}]}}"
            }
            """#
        )
        let classification = MessageClassifier.classify(notification, context: Self.context)
        #expect(classification.kind == .bounce)
        #expect(classification.bounces == [BounceRecipient(recipient: "gone@example.org", status: "5.1.1", permanent: true)])
        #expect(classification.originalMessageID == "job-5@example.com.br")
    }

    @Test func successNoticeIsNoBounce() {
        let report = message(
            """
            From: MAILER-DAEMON@mx.example.net
            Subject: Successful Mail Delivery Report
            Content-Type: multipart/report; report-type=delivery-status; boundary="s1"

            --s1
            Content-Type: message/delivery-status

            Final-Recipient: rfc822; ana@example.org
            Action: delivered
            Status: 2.0.0

            --s1--
            """
        )
        #expect(MessageClassifier.classify(report, context: Self.context).kind == .other)
    }
}
