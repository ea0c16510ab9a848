import CarteiroDomain
import CarteiroMIME
import CarteiroMail
import CarteiroStore
import CarteiroTesting
import CarteiroUseCases
import Foundation
import Testing

/// Accepting a send: every check before anything is stored, then one job per recipient.
@Suite struct AcceptSendTests {
    private func csv(_ text: String, in folder: TemporaryDirectory) throws -> RecipientSource {
        let path = folder.url.appendingPathComponent("list.csv").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return .csvFile(path: path)
    }

    private func request(_ recipients: RecipientSource, subject: String = "Oi {{name}}") throws -> SendRequest {
        SendRequest(
            from: try MailAddress(parsing: "Loja Exemplo <ofertas@loja.example>"), subject: subject, textBody: "Olá {{first_name}}", htmlBody: nil,
            recipients: recipients)
    }

    @Test func everyBadRowIsReportedAtOnceWithItsLine() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let source = try csv("email,name\nok@x.example,A\nbad@,B\nc@x.example,C,extra\nd@x.example,D\nnope,E\n", in: folder)
        let error = #expect(throws: SendRequestError.self) { try AcceptSend.validate(try request(source)) }
        #expect(error?.badRowCount == 3)
        #expect(error?.rows.map(\.line) == [3, 4, 6])
        #expect(error?.description.split(separator: "\n").count == 4, "a summary line, then one line per bad row")
    }

    @Test func badRowsPastTheListedOnesAreCounted() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let rows = (0..<150).map { "broken\($0)@" }.joined(separator: "\n")
        let error = #expect(throws: SendRequestError.self) { try AcceptSend.validate(try request(try csv("email\n\(rows)\n", in: folder))) }
        #expect(error?.badRowCount == 150)
        #expect(error?.rows.count == SendRequestError.listedRows)
        #expect(error?.description.contains("and 50 more") == true)
    }

    @Test func aBadTemplateIsRefusedBeforeAnythingIsStored() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let store = try SQLiteStore(configuration: .inDirectory(folder.path))
        let error = #expect(throws: SendRequestError.self) {
            try AcceptSend.validate(try request(.addresses([(try EmailAddress("a@x.example"), nil)]), subject: "Oi {{#name}"))
        }
        #expect(error?.field == "template")
        #expect(try await store.emailJobs.statusCounts(sendID: nil).values.reduce(0, +) == 0)
        await store.close()
    }

    @Test func acceptedSendQueuesOneJobPerRecipientWithItsNameLeavingOutDuplicatesAndSuppressed() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let store = try SQLiteStore(configuration: .inDirectory(folder.path))
        var unsubscribed = try Contact(email: try EmailAddress("gone@x.example"), createdAt: Date())
        try unsubscribed.move(to: .unsubscribed, at: Date())
        _ = try await store.contacts.insert(unsubscribed)
        let source = try csv("email,name,plano\nana@x.example,\"Souza, Ana\",fibra\nbia@x.example,Bia,radio\nANA@x.example,Ana,fibra\ngone@x.example,G,x\n", in: folder)
        let plan = try AcceptSend.validate(try request(source))
        #expect(plan.requested == 4)
        #expect(plan.send.fromName == "Loja Exemplo")
        let send = try await AcceptSend(store: store).accept(plan)
        #expect(send.suppressed == 1)
        #expect(send.duplicates == 1)
        let jobs = try await store.emailJobs.jobs(sendID: send.id, page: try PageRequest(limit: 10, cursor: nil)).items
        #expect(Set(jobs.map(\.recipient.value)) == ["ana@x.example", "bia@x.example"])
        #expect(jobs.first { $0.recipient.value == "ana@x.example" }?.recipientName == "Souza, Ana")
        #expect(jobs.first { $0.recipient.value == "bia@x.example" }?.variables["plano"] == "radio")
        await store.close()
    }

    @Test func anErasedContactsAddressIsSuppressedThoughOnlyItsHashIsStored() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let store = try SQLiteStore(configuration: .inDirectory(folder.path))
        var erased = try await store.contacts.insert(try Contact(email: try EmailAddress("Erased@x.example"), createdAt: Date()))
        try erased.erase(at: Date())
        _ = try await store.contacts.update(erased)
        let plan = try AcceptSend.validate(try request(try csv("email,name\nerased@X.example,E\nkept@x.example,K\n", in: folder)))
        let send = try await AcceptSend(store: store).accept(plan)
        #expect(send.suppressed == 1)
        let jobs = try await store.emailJobs.jobs(sendID: send.id, page: try PageRequest(limit: 10, cursor: nil)).items
        #expect(jobs.map(\.recipient.value) == ["kept@x.example"])
        await store.close()
    }
}

/// What composing would refuse is refused before anything is stored (issue 14: a CR/LF in the
/// subject or a name column used to store every job and fail them at send time).
@Suite struct AcceptSendHeaderCheckTests {
    private func request(_ recipients: RecipientSource, subject: String) throws -> SendRequest {
        SendRequest(from: try MailAddress("ofertas@loja.example"), subject: subject, textBody: "Olá", htmlBody: nil, recipients: recipients)
    }

    @Test func aLineBreakInTheSubjectIsRefusedOnce() throws {
        let error = #expect(throws: SendRequestError.self) {
            try AcceptSend.validate(try request(.addresses([(try EmailAddress("a@x.example"), nil)]), subject: "Oi\r\nBcc: all@x.example"))
        }
        #expect(error?.field == "subject")
        #expect(error?.badRowCount == 0)
    }

    @Test func aLineBreakInANameOrInASubjectVariableIsABadRowWithItsLine() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let path = folder.url.appendingPathComponent("list.csv").path
        try "email,name,plano\nok@x.example,Ana,fibra\nb@x.example,\"Bia\nBcc: all@x.example\",fibra\nc@x.example,Caio,\"fibra\r\nBcc: x@y\"\nd@x.example,Duda,radio\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let error = #expect(throws: SendRequestError.self) {
            try AcceptSend.validate(try request(.csvFile(path: path), subject: "Seu plano {{plano}}"))
        }
        #expect(error?.rows.map(\.line) == [3, 5])
        #expect(error?.rows.allSatisfy { $0.message.contains("LF") || $0.message.contains("CR") } == true)
    }

    @Test func aLineBreakInABodyVariableIsFine() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let path = folder.url.appendingPathComponent("list.csv").path
        try "email,endereco\nok@x.example,\"Rua A, 1\nApto 2\"\n".write(toFile: path, atomically: true, encoding: .utf8)
        let plan = try AcceptSend.validate(
            SendRequest(
                from: try MailAddress("ofertas@loja.example"), subject: "Oi", textBody: "Endereço: {{endereco}}", htmlBody: nil,
                recipients: .csvFile(path: path)))
        #expect(plan.requested == 1)
    }
}
