import CarteiroDomain
import Foundation
import MongoKit

/// EmailJob ⇄ document, written out by hand: it is the hot path (100,000s of jobs per send),
/// and the fields the queue filters and rewrites have a fixed shape.
///
/// Times the queue compares and rewrites (`dueAt`, `lease.expiresAt`, `updatedAt`) are epoch
/// milliseconds as int64: claim filters compare integers, and the values are the same on every
/// server. (nx-27017, the wire server the tests run, also turns a date given to `$set` into a
/// string, which real MongoDB does not; int64 behaves the same on both.)
enum MongoEmailJobCoding {
    static func milliseconds(_ date: Date) -> BSON { .int64(Int64((date.timeIntervalSince1970 * 1000).rounded())) }

    static func date(_ value: BSON?) -> Date? {
        guard let milliseconds = value?.int64Value else { return value?.dateValue }
        return Date(timeIntervalSince1970: TimeInterval(milliseconds) / 1000)
    }

    static func document(for job: EmailJob) throws -> BSONDocument {
        var document: BSONDocument = [
            "_id": .string(job.id.rawValue),
            "sendID": .string(job.sendID.rawValue),
            "recipient": .string(job.recipient.value),
            "recipientKey": .string(job.recipient.canonical),
            "stream": .string(job.stream.rawValue),
            "streamPriority": .int64(Int64(job.stream.priority)),
            "status": .string(job.status.rawValue),
            "attempts": .int64(Int64(job.attempts)),
            "dueAt": milliseconds(job.dueAt),
            "createdAt": milliseconds(job.createdAt),
            "updatedAt": milliseconds(job.updatedAt),
        ]
        if let campaignID = job.campaignID { document["campaignID"] = .string(campaignID.rawValue) }
        if let contactID = job.contactID { document["contactID"] = .string(contactID.rawValue) }
        if let name = job.recipientName { document["recipientName"] = .string(name) }
        if let route = job.route { document["route"] = .string(route) }
        if !job.variables.isEmpty {
            document["variables"] = .document(BSONDocument(job.variables.sorted { $0.key < $1.key }.map { ($0.key, BSON.string($0.value)) }))
        }
        if let lease = job.lease { document["lease"] = leaseDocument(lease) }
        if let relay = job.relay { document["relay"] = .string(relay) }
        if let failure = job.lastError { document["lastError"] = failureDocument(failure) }
        return document
    }

    static func leaseDocument(_ lease: Lease) -> BSON {
        ["owner": .string(lease.owner), "token": .string(lease.token), "expiresAt": milliseconds(lease.expiresAt)]
    }

    static func failureDocument(_ failure: DeliveryFailure) -> BSON {
        var document: BSONDocument = ["text": .string(failure.text)]
        if let code = failure.replyCode { document["replyCode"] = .int64(Int64(code)) }
        if let status = failure.enhancedStatus { document["enhancedStatus"] = .string(status) }
        return .document(document)
    }

    static func job(from document: BSONDocument) throws -> EmailJob {
        guard let id = document["_id"]?.stringValue, let sendID = document["sendID"]?.stringValue,
            let recipient = document["recipient"]?.stringValue, let stream = document["stream"]?.stringValue.flatMap(MailStream.init(rawValue:)),
            let status = document["status"]?.stringValue.flatMap(EmailJob.Status.init(rawValue:)), let dueAt = date(document["dueAt"]),
            let createdAt = date(document["createdAt"])
        else { throw StoreError(.corrupt, "an email job document lacks a field: \(document)") }
        var variables: [String: String] = [:]
        for (key, value) in document["variables"]?.documentValue ?? [:] { variables[key] = value.stringValue }
        var job = EmailJob(
            id: EmailJobID(rawValue: id), sendID: SendID(rawValue: sendID),
            campaignID: document["campaignID"]?.stringValue.map(CampaignID.init(rawValue:)),
            contactID: document["contactID"]?.stringValue.map(ContactID.init(rawValue:)),
            recipient: try EmailAddress(recipient), recipientName: document["recipientName"]?.stringValue, stream: stream,
            route: document["route"]?.stringValue, variables: variables,
            dueAt: dueAt, createdAt: createdAt)
        job.status = status
        job.attempts = Int(document["attempts"]?.int64Value ?? 0)
        job.updatedAt = date(document["updatedAt"]) ?? createdAt
        if let lease = document["lease"]?.documentValue, let owner = lease["owner"]?.stringValue, let token = lease["token"]?.stringValue,
            let expiresAt = date(lease["expiresAt"])
        {
            job.lease = Lease(owner: owner, token: token, expiresAt: expiresAt)
        }
        job.relay = document["relay"]?.stringValue
        job.lastError = document["lastError"]?.documentValue.map(failure(from:))
        return job
    }

    static func failure(from document: BSONDocument) -> DeliveryFailure {
        DeliveryFailure(
            replyCode: document["replyCode"]?.int64Value.map(Int.init), enhancedStatus: document["enhancedStatus"]?.stringValue,
            text: document["text"]?.stringValue ?? "")
    }
}
