import CarteiroDomain
import OpenAPIRuntime

// Not built yet: each answers 501 until its issue step lands.
extension APIHandlers {
    func searchContacts(_ input: Operations.SearchContacts.Input) async throws -> Operations.SearchContacts.Output { throw APIError.notYet }

    func createContact(_ input: Operations.CreateContact.Input) async throws -> Operations.CreateContact.Output { throw APIError.notYet }

    func importContacts(_ input: Operations.ImportContacts.Input) async throws -> Operations.ImportContacts.Output { throw APIError.notYet }

    func exportContacts(_ input: Operations.ExportContacts.Input) async throws -> Operations.ExportContacts.Output { throw APIError.notYet }

    func getContact(_ input: Operations.GetContact.Input) async throws -> Operations.GetContact.Output { throw APIError.notYet }

    func updateContact(_ input: Operations.UpdateContact.Input) async throws -> Operations.UpdateContact.Output { throw APIError.notYet }

    func eraseContact(_ input: Operations.EraseContact.Input) async throws -> Operations.EraseContact.Output { throw APIError.notYet }

}
