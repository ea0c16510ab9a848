import CarteiroDomain
import CarteiroStore
import CarteiroTesting
import Foundation
import Logging
import MongoKit
import CarteiroStoreTesting

func makeContact(_ email: String, name: String? = nil, at date: Date) throws -> Contact {
    try Contact(email: try EmailAddress(email), name: name, createdAt: date)
}

func makeJobs(_ count: Int, send: SendID = SendID(), stream: MailStream = .bulk, at date: Date, prefix: String = "user") throws -> [EmailJob] {
    try (0..<count).map { index in
        EmailJob(sendID: send, recipient: try EmailAddress("\(prefix)\(index)@example.com"), stream: stream, dueAt: date, createdAt: date)
    }
}
