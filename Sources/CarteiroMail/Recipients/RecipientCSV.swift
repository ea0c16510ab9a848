public import CarteiroDomain

/// A recipient list in CSV (RFC 4180): a header row with at least `email`, optionally `name`,
/// and any other columns, which become template variables.
public struct RecipientCSV: Sendable {
    public struct Row: Sendable, Hashable {
        public let line: Int
        public let email: EmailAddress
        public let name: String?
        public let variables: [String: String]
    }

    public let columns: [String]
    public let rows: [Row]

    /// Parses and validates every row; the first bad one is reported with its line number.
    public static func parse(_ text: String) throws(RecipientListError) -> RecipientCSV {
        let records = try CSVReader.records(in: text)
        guard let header = records.first else { throw RecipientListError(line: 1, message: "the file is empty; expected a header row with 'email'") }
        let columns = header.fields.map { $0.trimmingWhitespace().lowercased() }
        guard let emailColumn = columns.firstIndex(of: "email") else {
            throw RecipientListError(line: header.line, message: "the header row has no 'email' column")
        }
        if let duplicate = Dictionary(grouping: columns, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
            throw RecipientListError(line: header.line, message: "column '\(duplicate)' appears twice")
        }
        let nameColumn = columns.firstIndex(of: "name")
        var rows: [Row] = []
        for record in records.dropFirst() {
            if record.fields.count == 1, record.fields[0].trimmingWhitespace().isEmpty { continue }
            guard record.fields.count == columns.count else {
                throw RecipientListError(line: record.line, message: "has \(record.fields.count) fields, the header has \(columns.count)")
            }
            let email: EmailAddress
            do {
                email = try EmailAddress(record.fields[emailColumn])
            } catch {
                throw RecipientListError(line: record.line, message: "invalid email address '\(record.fields[emailColumn])' (\(error.reason))")
            }
            var variables: [String: String] = [:]
            for (index, column) in columns.enumerated() where index != emailColumn && index != nameColumn && !column.isEmpty {
                variables[column] = record.fields[index]
            }
            let name = nameColumn.map { record.fields[$0].trimmingWhitespace() }.flatMap { $0.isEmpty ? nil : $0 }
            rows.append(Row(line: record.line, email: email, name: name, variables: variables))
        }
        return RecipientCSV(columns: columns, rows: rows)
    }
}

public struct RecipientListError: Error, Hashable, Sendable, CustomStringConvertible {
    public let line: Int
    public let message: String
    public var description: String { "line \(line): \(message)" }
}

/// RFC 4180 records: quoted fields may hold commas, quotes (doubled) and line breaks.
enum CSVReader {
    struct Record {
        let line: Int
        let fields: [String]
    }

    static func records(in text: String) throws(RecipientListError) -> [Record] {
        var records: [Record] = []
        var fields: [String] = []
        var field = String.UnicodeScalarView()
        var line = 1
        var recordLine = 1
        var inQuotes = false
        var fieldWasQuoted = false
        var scalars = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        func next() -> Unicode.Scalar? {
            if let scalar = pending {
                pending = nil
                return scalar
            }
            return scalars.next()
        }
        func endRecord() {
            fields.append(String(field))
            records.append(Record(line: recordLine, fields: fields))
            fields = []
            field = .init()
            fieldWasQuoted = false
        }
        while let scalar = next() {
            if inQuotes {
                if scalar == "\"" {
                    if let following = next() {
                        if following == "\"" {
                            field.append("\"")
                        } else {
                            inQuotes = false
                            pending = following
                        }
                    } else {
                        inQuotes = false
                    }
                } else {
                    if scalar == "\n" { line += 1 }
                    field.append(scalar)
                }
                continue
            }
            switch scalar {
            case "\"":
                guard field.isEmpty, !fieldWasQuoted else {
                    throw RecipientListError(line: line, message: "a quote inside an unquoted field (quote the whole field and double the quote)")
                }
                inQuotes = true
                fieldWasQuoted = true
            case ",":
                fields.append(String(field))
                field = .init()
                fieldWasQuoted = false
            case "\r":
                continue
            case "\n":
                endRecord()
                line += 1
                recordLine = line
            default:
                if fieldWasQuoted {
                    throw RecipientListError(line: line, message: "text after a closing quote")
                }
                field.append(scalar)
            }
        }
        if inQuotes { throw RecipientListError(line: recordLine, message: "a quoted field is never closed") }
        if !field.isEmpty || !fields.isEmpty || fieldWasQuoted { endRecord() }
        return records
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var scalars = Substring(self).unicodeScalars
        while let first = scalars.first, first.properties.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.properties.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
