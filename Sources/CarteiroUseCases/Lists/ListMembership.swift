public import CarteiroDomain
public import Foundation

/// The use cases of static lists: members added and removed, counted, and a list deleted with
/// its memberships. A membership is the contact's tag `list:<id>` (`ContactList.membershipTag`),
/// so the tag index finds and counts a list's members.
public struct ListMembership: Sendable {
    public struct Change: Sendable, Hashable {
        public var added = 0
        public var alreadyMembers = 0
        public var notFound: [ContactID] = []
    }

    private let contacts: any AggregateRepository<Contact>
    private let lists: any AggregateRepository<ContactList>

    public init(store: any Store) {
        contacts = store.contacts
        lists = store.contactLists
    }

    public func memberCount(_ list: ContactList) async throws -> Int {
        try await contacts.count("tag", equals: list.membershipTag)
    }

    /// Adds each contact once; unknown and erased contacts are listed as not found.
    public func add(_ ids: [ContactID], to list: ContactList, now: Date = Date()) async throws -> Change {
        var change = Change()
        var seen = Set<ContactID>()
        for id in ids where seen.insert(id).inserted {
            try await retryingConflicts {
                guard var contact = try await contacts.get(id), contact.status != .erased else {
                    change.notFound.append(id)
                    return
                }
                guard !contact.tags.contains(list.membershipTag) else {
                    change.alreadyMembers += 1
                    return
                }
                contact.tags.insert(list.membershipTag)
                contact.updatedAt = now
                _ = try await contacts.update(contact)
                change.added += 1
            }
        }
        return change
    }

    /// Takes the contact out of the list; false when there is no such contact.
    public func remove(_ id: ContactID, from list: ContactList, now: Date = Date()) async throws -> Bool {
        var found = false
        try await retryingConflicts {
            guard var contact = try await contacts.get(id) else { return }
            found = true
            guard contact.tags.remove(list.membershipTag) != nil else { return }
            contact.updatedAt = now
            _ = try await contacts.update(contact)
        }
        return found
    }

    /// Takes every member out of the list, then deletes it; false when there is no such list.
    public func delete(_ id: ContactListID, now: Date = Date()) async throws -> Bool {
        guard let list = try await lists.get(id) else { return false }
        while true {
            let page = try await contacts.find("tag", equals: list.membershipTag, page: try PageRequest(limit: 500))
            for member in page.items { _ = try await remove(member.id, from: list, now: now) }
            if page.items.isEmpty { break }
        }
        return try await lists.delete(id)
    }

    /// A membership change re-read and applied again when someone else wrote the contact first.
    private func retryingConflicts(_ body: () async throws -> Void) async throws {
        for attempt in 1... {
            do {
                return try await body()
            } catch let error as StoreError where error.isConflict && attempt < 5 {
                continue
            }
        }
    }
}
