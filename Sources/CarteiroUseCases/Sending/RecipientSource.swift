public import CarteiroDomain
import CarteiroMail
import Foundation

/// Where a send's recipients come from. A file is read twice, once to validate and once to
/// enqueue, so a list of any length is never held in memory whole.
public enum RecipientSource: Sendable {
    /// Addresses with an optional name each (`"Souza, Ana" <ana@example.com>` on the command line).
    case addresses([(email: EmailAddress, name: String?)])
    /// A CSV file with a header row: `email`, optional `name`, other columns for the template.
    case csvFile(path: String)
    /// Contacts (a campaign's audience), each with its template values; `variables` are the names
    /// the template may use beyond the contact's fields.
    case contacts([ContactRecipient], variables: Set<String>)

    /// A name for messages: the file's path, or "recipients".
    public var name: String {
        switch self {
        case .addresses: "recipients"
        case .csvFile(let path): path
        case .contacts: "audience"
        }
    }

    func makeReader() throws(SendRequestError) -> RecipientReader {
        switch self {
        case .addresses(let addresses):
            return .addresses(addresses[...], taken: 0)
        case .contacts(let recipients, let variables):
            return .contacts(recipients[...], variables: variables, taken: 0)
        case .csvFile(let path):
            guard let handle = FileHandle(forReadingAtPath: path) else { throw SendRequestError(field: path, "cannot read the file") }
            do {
                return .csv(try RecipientCSVReader(file: handle))
            } catch {
                throw SendRequestError(rows: [error], source: path)
            }
        }
    }
}

/// One recipient at a time, whichever the source.
enum RecipientReader {
    case addresses(ArraySlice<(email: EmailAddress, name: String?)>, taken: Int)
    case csv(RecipientCSVReader)
    case contacts(ArraySlice<ContactRecipient>, variables: Set<String>, taken: Int)

    struct Row {
        /// The CSV line, or the address's place among `--to` addresses (from 1).
        var line: Int
        var email: EmailAddress
        var name: String?
        var variables: [String: String]
        var contactID: ContactID? = nil
    }

    var columns: [String] {
        switch self {
        case .csv(let reader): return reader.columns
        case .contacts(_, let variables, _): return ["email", "name"] + variables.sorted()
        case .addresses: return ["email"]
        }
    }

    mutating func next() throws(RecipientListError) -> Row? {
        switch self {
        case .addresses(var rest, let taken):
            guard let recipient = rest.popFirst() else { return nil }
            self = .addresses(rest, taken: taken + 1)
            return Row(line: taken + 1, email: recipient.email, name: recipient.name, variables: [:])
        case .contacts(var rest, let variables, let taken):
            guard let recipient = rest.popFirst() else { return nil }
            self = .contacts(rest, variables: variables, taken: taken + 1)
            return Row(line: taken + 1, email: recipient.email, name: recipient.name, variables: recipient.variables, contactID: recipient.contactID)
        case .csv(var reader):
            // Moved out and back so the reader is not copied on every row.
            self = .addresses([], taken: 0)
            defer { self = .csv(reader) }
            guard let row = try reader.next() else { return nil }
            return Row(line: row.line, email: row.email, name: row.name, variables: row.variables)
        }
    }
}

/// A contact as a recipient: its address, name and the values its template renders with.
public struct ContactRecipient: Sendable {
    /// Nil for an address no contact has (a test send's).
    public var contactID: ContactID?
    public var email: EmailAddress
    public var name: String?
    public var variables: [String: String]

    public init(contactID: ContactID?, email: EmailAddress, name: String?, variables: [String: String]) {
        self.contactID = contactID
        self.email = email
        self.name = name
        self.variables = variables
    }
}
