import CarteiroDomain
import CarteiroUseCases
import Foundation
import OpenAPIRuntime

extension APIHandlers {
    func listLists(_ input: Operations.ListLists.Input) async throws -> Operations.ListLists.Output {
        let page = try await store.contactLists.list(page: try PageRequest(limit: input.query.limit ?? 100, cursor: input.query.cursor))
        var items: [Components.Schemas.ContactList] = []
        for list in page.items { items.append(try await contactList(list)) }
        return .ok(.init(body: .json(.init(items: items, nextCursor: page.nextCursor))))
    }

    func createList(_ input: Operations.CreateList.Input) async throws -> Operations.CreateList.Output {
        guard case .json(let body) = input.body else { throw APIError.badRequest("expected JSON") }
        let list = try ContactList(name: body.name, summary: body.description ?? "", doubleOptIn: body.doubleOptIn ?? true, createdAt: Date())
        let stored = try await store.contactLists.insert(list)
        return .created(.init(body: .json(try await contactList(stored))))
    }

    func getList(_ input: Operations.GetList.Input) async throws -> Operations.GetList.Output {
        .ok(.init(body: .json(try await contactList(try await storedList(input.path.listId)))))
    }

    func updateList(_ input: Operations.UpdateList.Input) async throws -> Operations.UpdateList.Output {
        guard case .json(let body) = input.body else { throw APIError.badRequest("expected JSON") }
        var list = try await storedList(input.path.listId)
        let now = Date()
        if let name = body.name { try list.rename(name, at: now) }
        if let description = body.description { list.summary = description }
        if let doubleOptIn = body.doubleOptIn { list.doubleOptIn = doubleOptIn }
        list.updatedAt = now
        return .ok(.init(body: .json(try await contactList(try await store.contactLists.update(list)))))
    }

    func deleteList(_ input: Operations.DeleteList.Input) async throws -> Operations.DeleteList.Output {
        guard try await ListMembership(store: store).delete(ContactListID(rawValue: input.path.listId)) else {
            throw APIError.notFound("list", input.path.listId)
        }
        return .noContent(.init())
    }

    func listMembers(_ input: Operations.ListMembers.Input) async throws -> Operations.ListMembers.Output {
        let list = try await storedList(input.path.listId)
        let page = try await store.contacts.find(
            "tag", equals: list.membershipTag, page: try PageRequest(limit: input.query.limit ?? 100, cursor: input.query.cursor))
        return .ok(.init(body: .json(.init(items: page.items.map(Self.contact), nextCursor: page.nextCursor))))
    }

    func addMembers(_ input: Operations.AddMembers.Input) async throws -> Operations.AddMembers.Output {
        guard case .json(let body) = input.body else { throw APIError.badRequest("expected JSON") }
        let list = try await storedList(input.path.listId)
        let change = try await ListMembership(store: store).add(body.contactIds.map(ContactID.init(rawValue:)), to: list)
        return .ok(.init(body: .json(.init(added: change.added, alreadyMembers: change.alreadyMembers, notFound: change.notFound.map(\.rawValue)))))
    }

    func removeMember(_ input: Operations.RemoveMember.Input) async throws -> Operations.RemoveMember.Output {
        let list = try await storedList(input.path.listId)
        guard try await ListMembership(store: store).remove(ContactID(rawValue: input.path.contactId), from: list) else {
            throw APIError.notFound("contact", input.path.contactId)
        }
        return .noContent(.init())
    }

    private func storedList(_ id: String) async throws -> ContactList {
        guard let list = try await store.contactLists.get(ContactListID(rawValue: id)) else { throw APIError.notFound("list", id) }
        return list
    }

    private func contactList(_ list: ContactList) async throws -> Components.Schemas.ContactList {
        Components.Schemas.ContactList(
            id: list.id.rawValue, name: list.name, description: list.summary, doubleOptIn: list.doubleOptIn,
            memberCount: try await ListMembership(store: store).memberCount(list), createdAt: list.createdAt, updatedAt: list.updatedAt,
            version: list.version)
    }
}
