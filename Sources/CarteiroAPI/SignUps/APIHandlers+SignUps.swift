import CarteiroDomain
import CarteiroUseCases
import Foundation
import HTTPTypes

extension APIHandlers {
    func signUp(_ input: Operations.SignUp.Input) async throws -> Operations.SignUp.Output {
        let (email, name, locale, lists, attributes): (String, String?, String?, [String], [String: AttributeValue])
        switch input.body {
        case .json(let body):
            (email, name, locale, lists, attributes) = (body.email, body.name, body.locale, body.lists ?? [], try Self.attributes(body.attributes))
        case .urlEncodedForm(let form):
            // The document's limits, which the schema check applies to JSON bodies only.
            for (field, value, limit) in [("email", form.email, 320), ("name", form.name ?? "", 200), ("locale", form.locale ?? "", 35), ("lists", form.lists ?? "", 1_400)]
            where value.count > limit {
                throw APIError(.badRequest, code: "invalid_field", "\(field) is longer than \(limit) characters", field: field)
            }
            let listIDs = (form.lists ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            (email, name, locale, lists, attributes) = (form.email, form.name, form.locale, listIDs, [:])
        }
        let parsed: ContactAddress
        do {
            parsed = try ContactAddress(parsing: email)
        } catch {
            throw APIError(error)
        }
        guard lists.count <= 20 else { throw APIError.invalid("lists", "at most 20 lists") }
        guard let signUps else {
            throw APIError(.serviceUnavailable, code: "signups_unavailable", "this server takes no sign-ups (no sign-up address is configured)")
        }
        guard signUps.admit(client: APIClientAddress.current ?? "unknown") else {
            throw APIError(.tooManyRequests, code: "rate_limited", "too many sign-ups from your address; try again in a minute")
        }
        let request = RequestSignUp.Request(
            // `Ana Souza <ana@example.com>` in the address field names the contact when no name is given.
            email: parsed.email, name: name?.trimmingCharacters(in: .whitespacesAndNewlines).nilIfEmpty ?? parsed.displayName, locale: locale,
            source: .form,
            lists: lists.map(ContactListID.init(rawValue:)), attributes: attributes)
        // Whatever became of it (sent, sent moments ago, already confirmed, refused), the answer is
        // the same: the form tells no one whether an address is a contact.
        _ = try await RequestSignUp(store: store, settings: signUps.settings).run(request)
        return .accepted(.init(body: .json(.init(status: .accepted))))
    }
}

extension String {
    fileprivate var nilIfEmpty: String? { isEmpty ? nil : self }
}
