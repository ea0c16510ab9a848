import CarteiroDomain
import OpenAPIRuntime

// Not built yet: each answers 501 until its issue step lands.
extension APIHandlers {
    func listLists(_ input: Operations.ListLists.Input) async throws -> Operations.ListLists.Output { throw APIError.notYet }

    func createList(_ input: Operations.CreateList.Input) async throws -> Operations.CreateList.Output { throw APIError.notYet }

    func getList(_ input: Operations.GetList.Input) async throws -> Operations.GetList.Output { throw APIError.notYet }

    func updateList(_ input: Operations.UpdateList.Input) async throws -> Operations.UpdateList.Output { throw APIError.notYet }

    func deleteList(_ input: Operations.DeleteList.Input) async throws -> Operations.DeleteList.Output { throw APIError.notYet }

    func listMembers(_ input: Operations.ListMembers.Input) async throws -> Operations.ListMembers.Output { throw APIError.notYet }

    func addMembers(_ input: Operations.AddMembers.Input) async throws -> Operations.AddMembers.Output { throw APIError.notYet }

    func removeMember(_ input: Operations.RemoveMember.Input) async throws -> Operations.RemoveMember.Output { throw APIError.notYet }

}
