import CarteiroAPI
import CarteiroDomain
import CarteiroMIME
import CarteiroStoreTesting
import CarteiroUseCases
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// The confirm link: following it (as a mail scanner does) changes nothing; the page's button confirms.
@Suite struct ConfirmationPagesTests {
    @Test(arguments: Backend.allCases)
    func theLinksGetShowsAButtonAndOnlyItsPostConfirms(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let store = fixture.store
            let settings = SignUpMailSettings(
                signUpAddress: try MailAddress("cadastro@loja.example"), mailFrom: try MailAddress("contato@loja.example"),
                publicURL: URL(string: "https://loja.example"))
            guard case .confirmationSent(let id) = try await RequestSignUp(store: store, settings: settings).run(
                .init(email: try EmailAddress("ana@exemplo.com.br"), source: .form))
            else { Issue.record("not sent"); return }
            let signUp = try #require(try await store.signUps.get(id))
            let router = Router()
            ConfirmationPages(store: store, logger: Logger(label: "test.confirm")).register(on: router)
            try await Application(router: router).test(.router) { client in
                for _ in 0..<3 {
                    try await client.execute(uri: "/confirm/\(signUp.token)", method: .get) { response in
                        #expect(response.status == .ok)
                        #expect(response.headers[.contentType]?.hasPrefix("text/html") == true)
                        let page = String(buffer: response.body)
                        #expect(page.contains("<form method=\"post\">"))
                        #expect(page.contains("ana@exemplo.com.br"))
                    }
                }
                #expect(try await store.contacts.get(signUp.contactID)?.status == .pending, "a GET confirms nothing")

                try await client.execute(uri: "/confirm/\(signUp.token)", method: .post) { response in
                    #expect(response.status == .ok)
                    #expect(String(buffer: response.body).contains("confirmado"))
                }
                let contact = try #require(try await store.contacts.get(signUp.contactID))
                #expect(contact.status == .confirmed)
                #expect(contact.consent?.method == .link)

                try await client.execute(uri: "/confirm/\(signUp.token)", method: .post) { response in
                    #expect(response.status == .ok, "a second press says it is confirmed")
                }
                try await client.execute(uri: "/confirm/\(String(repeating: "a", count: 32))", method: .get) { response in
                    #expect(response.status == .notFound)
                }
                try await client.execute(uri: "/confirm/%3Cscript%3E", method: .get) { response in
                    #expect(response.status == .notFound)
                    #expect(!String(buffer: response.body).contains("<script>"))
                }
            }
            let events = try await store.events.read(after: 0, limit: 100)
            #expect(events.filter { $0.kind == .contactConfirmed }.count == 1)
        }
    }
}
