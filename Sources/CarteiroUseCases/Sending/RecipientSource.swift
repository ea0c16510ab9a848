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

    /// A name for messages: the file's path, or "recipients".
    public var name: String {
        switch self {
        case .addresses: "recipients"
        case .csvFile(let path): path
        }
    }

    func makeReader() throws(SendRequestError) -> RecipientReader {
        switch self {
        case .addresses(let addresses):
            return .addresses(addresses[...], taken: 0)
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

    struct Row {
        /// The CSV line, or the address's place among `--to` addresses (from 1).
        var line: Int
        var email: EmailAddress
        var name: String?
        var variables: [String: String]
    }

    var columns: [String] {
        if case .csv(let reader) = self { return reader.columns }
        return ["email"]
    }

    mutating func next() throws(RecipientListError) -> Row? {
        switch self {
        case .addresses(var rest, let taken):
            guard let recipient = rest.popFirst() else { return nil }
            self = .addresses(rest, taken: taken + 1)
            return Row(line: taken + 1, email: recipient.email, name: recipient.name, variables: [:])
        case .csv(var reader):
            // Moved out and back so the reader is not copied on every row.
            self = .addresses([], taken: 0)
            defer { self = .csv(reader) }
            guard let row = try reader.next() else { return nil }
            return Row(line: row.line, email: row.email, name: row.name, variables: row.variables)
        }
    }
}
