import CarteiroAPI
import CarteiroDomain
import CarteiroMIME
import CarteiroStoreTesting
import CarteiroUseCases
import Foundation
import HTTPTypes
import Testing

/// `POST /api/v1/signups`, the public sign-up form: no token, 202 whatever the address, one
/// confirmation per address a minute, a limit per client, JSON or an HTML form's fields.
@Suite struct SignUpAPITests {
    static let configuration = AdminAPI.Configuration(
        signUps: SignUpMailSettings(
            signUpAddress: try! MailAddress("cadastro@loja.example"), mailFrom: try! MailAddress("contato@loja.example"),
            publicURL: URL(string: "https://loja.example")),
        signUpsPerClientPerMinute: 5)

    @Test(arguments: Backend.allCases)
    func aSignUpNeedsNoTokenAndAnswers202WhetherOrNotTheAddressIsKnown(_ backend: Backend) async throws {
        try await APITestClient.with(backend, configuration: Self.configuration) { api in
            let first = try await api.request(.post, "/api/v1/signups", json: ["email": "ana@exemplo.com.br", "name": "Ana Souza"], as: nil)
            #expect(first.status == .accepted, "\(first.body)")
            #expect(first.json["status"] as? String == "accepted")
            let again = try await api.request(.post, "/api/v1/signups", json: ["email": "ANA@exemplo.com.br"], as: nil)
            #expect(again.status == .accepted)
            #expect(again.body == first.body, "the same answer: the form tells no one who is a contact")

            let store = api.fixture.store
            let contact = try #require(try await store.contacts.find(email: try EmailAddress("ana@exemplo.com.br")))
            #expect(contact.status == .pending)
            #expect(contact.name == "Ana Souza")
            #expect(try await store.sends.count() == 1, "one confirmation for the same address within a minute")
            let signUp = try #require(try await store.signUps.findUnique("pending_email", "ana@exemplo.com.br"))
            #expect(signUp.source == .form)
        }
    }

    @Test func anHTMLFormsFieldsAreAcceptedWithANameAndAddressTogether() async throws {
        try await APITestClient.with(configuration: Self.configuration) { api in
            let form = "email=Jo%C3%A3o+Silva+%3Cjoao%40exemplo.com.br%3E&locale=pt-BR"
            let answer = try await api.request(.post, "/api/v1/signups", raw: form, contentType: "application/x-www-form-urlencoded", as: nil)
            #expect(answer.status == .accepted, "\(answer.body)")
            let contact = try #require(try await api.fixture.store.contacts.find(email: try EmailAddress("joao@exemplo.com.br")))
            #expect(contact.name == "João Silva")
        }
    }

    @Test func aBadAddressIsRefusedWithAJSONErrorAndNothingIsStored() async throws {
        try await APITestClient.with(configuration: Self.configuration) { api in
            let json = try await api.request(.post, "/api/v1/signups", json: ["email": "not-an-address"], as: nil)
            #expect(json.status == .badRequest)
            #expect(json.errorCode != nil)
            let form = try await api.request(
                .post, "/api/v1/signups", raw: "email=nobody%40", contentType: "application/x-www-form-urlencoded", as: nil)
            #expect(form.status == .unprocessableContent, "\(form.body)")
            #expect(try await api.fixture.store.contacts.count() == 0)
        }
    }

    @Test func oneClientGetsAtMostItsLimitOfSignUpsAMinute() async throws {
        try await APITestClient.with(configuration: Self.configuration) { api in
            var statuses: [Int] = []
            for index in 0..<7 {
                statuses.append(try await api.request(.post, "/api/v1/signups", json: ["email": "p\(index)@exemplo.com.br"], as: nil).status.code)
            }
            #expect(statuses == [202, 202, 202, 202, 202, 429, 429])
            let refused = try await api.request(.post, "/api/v1/signups", json: ["email": "late@exemplo.com.br"], as: nil)
            #expect(refused.errorCode == "rate_limited")
            #expect(try await api.fixture.store.contacts.count() == 5)
        }
    }

    @Test func withoutASignUpAddressTheFormAnswers503() async throws {
        try await APITestClient.with { api in
            let answer = try await api.request(.post, "/api/v1/signups", json: ["email": "ana@exemplo.com.br"], as: nil)
            #expect(answer.status == .serviceUnavailable)
            #expect(answer.errorCode == "signups_unavailable")
        }
    }
}
