public import CarteiroDomain

/// The use case "export contacts as CSV", in the columns the import reads, so that a file
/// exported and imported again gives the same contacts. A sequence of chunks read a page at a
/// time as the caller asks for them (a response body streams it), never the whole file at once.
/// Two passes: the first finds the attribute columns (and their types) for the header, the second
/// writes the rows. Erased contacts are left out: they have no address.
public struct ExportContacts: AsyncSequence, Sendable {
    public typealias Element = ArraySlice<UInt8>

    public static let pageSize = 500

    private let search: SearchContacts
    private let filter: SearchContacts.Filter

    public init(store: any Store, filter: SearchContacts.Filter) {
        search = SearchContacts(store: store)
        self.filter = filter
    }

    public func makeAsyncIterator() -> Iterator { Iterator(search: search, filter: filter) }

    public struct Iterator: AsyncIteratorProtocol {
        let search: SearchContacts
        let filter: SearchContacts.Filter
        var layout: ContactCSVLayout?
        var cursor: String?
        var done = false

        public mutating func next() async throws -> ArraySlice<UInt8>? {
            guard let layout else {
                let layout = try await Self.layout(search: search, filter: filter)
                self.layout = layout
                return ArraySlice(layout.headerLine.utf8)
            }
            while !done {
                let page = try await search.search(filter, page: try PageRequest(limit: ExportContacts.pageSize, cursor: cursor))
                cursor = page.nextCursor
                done = page.nextCursor == nil
                var text = ""
                for contact in page.items where contact.status != .erased { text += layout.line(for: contact) }
                if !text.isEmpty { return ArraySlice(text.utf8) }
            }
            return nil
        }

        /// The fixed columns, then every attribute any exported contact has, by name; typed when
        /// every contact holding it holds the same type.
        static func layout(search: SearchContacts, filter: SearchContacts.Filter) async throws -> ContactCSVLayout {
            var kinds: [String: AttributeValue.Kind?] = [:]
            var cursor: String?
            repeat {
                let page = try await search.search(filter, page: try PageRequest(limit: PageRequest.maximumLimit, cursor: cursor))
                for contact in page.items where contact.status != .erased {
                    for (name, value) in contact.attributes {
                        if let known = kinds[name] {
                            if known != value.kind { kinds[name] = .some(nil) }
                        } else {
                            kinds[name] = value.kind
                        }
                    }
                }
                cursor = page.nextCursor
            } while cursor != nil
            let attributes = kinds.keys.sorted().map { name in ContactCSVLayout.Column.attribute(name, (kinds[name] ?? nil) ?? .string) }
            return ContactCSVLayout(columns: [.email, .name, .locale, .timezone, .status, .tags] + attributes)
        }
    }
}
