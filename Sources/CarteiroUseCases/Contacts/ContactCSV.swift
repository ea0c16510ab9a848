public import CarteiroDomain
import Foundation

/// The columns of a contacts CSV file, as the import reads them and the export writes them:
/// `email` (required), `name`, `locale`, `timezone`, `status`, `tags` (separated by `;`), and any
/// other column an attribute; `age:number`, `vip:boolean`, `since:date` type it.
public struct ContactCSVLayout: Sendable, Hashable {
    public enum Column: Sendable, Hashable {
        case email, name, locale, timezone, status, tags
        case attribute(String, AttributeValue.Kind)

        static let reserved: Set<String> = ["email", "name", "locale", "timezone", "status", "tags"]

        /// As the header row writes it.
        public var header: String {
            switch self {
            case .email: "email"
            case .name: "name"
            case .locale: "locale"
            case .timezone: "timezone"
            case .status: "status"
            case .tags: "tags"
            // An attribute called like a column (`name`) keeps its type, so the import reads it back as one.
            case .attribute(let name, .string) where !Self.reserved.contains(name.lowercased()): name
            case .attribute(let name, let kind): "\(name):\(kind.rawValue)"
            }
        }
    }

    public let columns: [Column]

    public init(columns: [Column]) { self.columns = columns }

    /// Reads a header row; a column that cannot be read is named in the error.
    public init(header: [String]) throws(ValidationError) {
        var columns: [Column] = []
        var seen = Set<String>()
        for raw in header {
            let text = raw.trimmingWhitespace()
            let column: Column
            switch text.lowercased() {
            case "email": column = .email
            case "name": column = .name
            case "locale": column = .locale
            case "timezone": column = .timezone
            case "status": column = .status
            case "tags": column = .tags
            default:
                var name = text
                var kind = AttributeValue.Kind.string
                if let colon = text.lastIndex(of: ":") {
                    let typeName = text[text.index(after: colon)...].lowercased()
                    guard let typed = AttributeValue.Kind(rawValue: typeName) else {
                        throw ValidationError(
                            field: text, reason: "column '\(text)': unknown type '\(typeName)' (string, number, boolean or date)")
                    }
                    name = String(text[..<colon])
                    kind = typed
                }
                do throws(ValidationError) {
                    try ContactFields.checkAttributeName(name, field: text)
                } catch {
                    throw ValidationError(field: text.isEmpty ? "header" : text, reason: "column '\(text)': \(error.reason)")
                }
                column = .attribute(name, kind)
            }
            let key: String =
                switch column {
                case .attribute(let name, _): "attribute:\(name)"
                default: column.header
                }
            guard seen.insert(key).inserted else { throw ValidationError(field: text, reason: "column '\(text)' appears twice") }
            columns.append(column)
        }
        guard columns.contains(.email) else { throw ValidationError(field: "email", reason: "the header row has no 'email' column") }
        self.columns = columns
    }

    /// The header row, ending in CRLF.
    public var headerLine: String { columns.map { Self.field($0.header) }.joined(separator: ",") + "\r\n" }

    /// One contact's row, ending in CRLF.
    public func line(for contact: Contact) -> String {
        var cells: [String] = []
        cells.reserveCapacity(columns.count)
        for column in columns {
            let cell: String =
                switch column {
                case .email: contact.email.value
                case .name: contact.name ?? ""
                case .locale: contact.locale
                case .timezone: contact.timezone
                case .status: contact.status.rawValue
                case .tags: contact.plainTags.joined(separator: ";")
                case .attribute(let name, _): contact.attributes[name]?.csvText ?? ""
                }
            cells.append(Self.field(cell))
        }
        return cells.joined(separator: ",") + "\r\n"
    }

    /// A cell as RFC 4180 writes it: quoted when it holds a comma, a quote, a line break or
    /// spaces at either end (which a reader would otherwise trim), quotes doubled.
    static func field(_ text: String) -> String {
        var needsQuotes = false
        for byte in text.utf8
        where byte == UInt8(ascii: ",") || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
            needsQuotes = true
            break
        }
        if let first = text.unicodeScalars.first, first.properties.isWhitespace { needsQuotes = true }
        if let last = text.unicodeScalars.last, last.properties.isWhitespace { needsQuotes = true }
        guard needsQuotes else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
