import CarteiroDomain
import CarteiroWebhooks
import Foundation
import Testing

@Suite struct WebhookSignatureTests {
    @Test func signatureIsHMACSHA256OfTimestampDotBodyInLowercaseHex() {
        // python3 -c 'import hmac,hashlib;print(hmac.new(b"whsec_test",b"1700000000.{\"a\":1}",hashlib.sha256).hexdigest())'
        let signature = WebhookSignature(secret: "whsec_test", timestamp: 1_700_000_000, body: Data(#"{"a":1}"#.utf8))
        #expect(signature.headerValue == "t=1700000000,v1=\(Self.expectedHex)")
    }

    static let expectedHex = "38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789"

    @Test func aReceiverRefusesATamperedBodyAWrongSecretAndAStaleTimestamp() {
        let body = Data(#"{"id":"1"}"#.utf8)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let header = WebhookSignature(secret: "whsec_a", timestamp: 1_800_000_000, body: body).headerValue
        #expect(WebhookSignature.verify(header: header, body: body, secret: "whsec_a", now: now))
        #expect(WebhookSignature.verify(header: header, body: body, secret: "whsec_a", now: now.addingTimeInterval(299)))
        #expect(!WebhookSignature.verify(header: header, body: body, secret: "whsec_a", now: now.addingTimeInterval(301)), "a replay after 5 minutes")
        #expect(!WebhookSignature.verify(header: header, body: Data(#"{"id":"2"}"#.utf8), secret: "whsec_a", now: now))
        #expect(!WebhookSignature.verify(header: header, body: body, secret: "whsec_b", now: now))
    }

    @Test func aWebhookTakesHTTPURLsAndKnownKindsOnly() throws {
        #expect(throws: ValidationError.self) {
            try Webhook(url: "ftp://x.example", eventKinds: ["*"], secret: nil, createdAt: Date(), startsAfter: 0)
        }
        #expect(throws: ValidationError.self) { try Webhook(url: "/relative", eventKinds: ["*"], secret: nil, createdAt: Date(), startsAfter: 0) }
        #expect(throws: ValidationError.self) {
            try Webhook(url: "https://x.example", eventKinds: ["email.nope"], secret: nil, createdAt: Date(), startsAfter: 0)
        }
        #expect(throws: ValidationError.self) {
            try Webhook(url: "https://x.example", eventKinds: [], secret: nil, createdAt: Date(), startsAfter: 0)
        }
        #expect(throws: ValidationError.self) {
            try Webhook(url: "https://x.example", eventKinds: ["*"], secret: "short", createdAt: Date(), startsAfter: 0)
        }
        let webhook = try Webhook(url: "https://x.example/h", eventKinds: ["*", "*"], secret: nil, createdAt: Date(), startsAfter: 3)
        #expect(webhook.eventKinds == ["*"] && webhook.wants(.relayStateChanged))
    }

    @Test func backoffDoublesFromTheBaseUpToTheCapAndAFailurePastTheWindowParks() {
        let backoff = WebhookBackoff(base: 1, cap: 600)
        #expect((1...12).map { backoff.delay(afterAttempts: $0) } == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 600, 600])
        let start = Date(timeIntervalSince1970: 0)
        var delivery = WebhookDelivery(
            webhookID: WebhookID(),
            event: DomainEvent(occurredAt: start, payload: .relayStateChanged(.init(relay: "r", from: "closed", to: "open", reason: "x"))),
            firstAttemptAt: start)
        delivery.recordFailure(statusCode: 500, error: "HTTP 500", at: start, retryWindow: 86_400, backoff: backoff.delay(afterAttempts:))
        #expect(delivery.status == .retrying && delivery.nextAttemptAt == start.addingTimeInterval(1))
        delivery.recordFailure(
            statusCode: nil, error: "refused", at: start.addingTimeInterval(86_000), retryWindow: 86_400, backoff: backoff.delay(afterAttempts:))
        #expect(delivery.status == .retrying, "the next attempt, 2 s later, is still within 24 h")
        delivery.recordFailure(
            statusCode: nil, error: "refused", at: start.addingTimeInterval(86_399), retryWindow: 86_400, backoff: backoff.delay(afterAttempts:))
        #expect(delivery.status == .parked && delivery.nextAttemptAt == nil && delivery.attempts == 3, "the next one would be past it")
    }
}
