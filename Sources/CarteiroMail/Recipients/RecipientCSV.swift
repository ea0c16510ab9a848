public import CarteiroDomain
public import Foundation

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
    /// For a file of any size, read it row by row with `RecipientCSVReader` instead.
    public static func parse(_ text: String) throws(RecipientListError) -> RecipientCSV {
        var reader = try RecipientCSVReader(text: text)
        var rows: [Row] = []
        while let row = try reader.next() { rows.append(row) }
        return RecipientCSV(columns: reader.columns, rows: rows)
    }
}

public struct RecipientListError: Error, Hashable, Sendable, CustomStringConvertible {
    public let line: Int
    public let message: String
    /// The row was read whole and is wrong (a bad address, a field too many): a reader may go on
    /// to the next row, so that one pass reports every bad row. Otherwise the file cannot be read on.
    public let isRowError: Bool
    public var description: String { "line \(line): \(message)" }

    public init(line: Int, message: String, isRowError: Bool = false) {
        self.line = line
        self.message = message
        self.isRowError = isRowError
    }
}

/// Reads and validates a recipient CSV one row at a time, a chunk of the file at a time, so a
/// list of millions of rows costs the memory of one chunk and one row.
public struct RecipientCSVReader {
    /// The header row's names, trimmed and lowercased.
    public let columns: [String]
    private var records: CSVRecordReader
    private let emailColumn: Int
    private let nameColumn: Int?
    /// (index, name) of the columns that become template variables.
    private let variableColumns: [(Int, String)]

    /// Reads from an open file; the reader takes the handle and reads it to the end.
    public init(file: FileHandle, chunkSize: Int = 1 << 16) throws(RecipientListError) {
        try self.init(records: CSVRecordReader(source: .file(file, chunkSize: chunkSize)))
    }

    public init(text: String) throws(RecipientListError) {
        try self.init(records: CSVRecordReader(source: .bytes(Array(text.utf8))))
    }

    private init(records: CSVRecordReader) throws(RecipientListError) {
        var records = records
        guard let header = try records.next() else {
            throw RecipientListError(line: 1, message: "the file is empty; expected a header row with 'email'")
        }
        let columns = header.fields.map { $0.trimmingWhitespace().lowercased() }
        guard let emailColumn = columns.firstIndex(of: "email") else {
            throw RecipientListError(line: header.line, message: "the header row has no 'email' column")
        }
        if let duplicate = Dictionary(grouping: columns, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
            throw RecipientListError(line: header.line, message: "column '\(duplicate)' appears twice")
        }
        self.records = records
        self.columns = columns
        self.emailColumn = emailColumn
        let nameColumn = columns.firstIndex(of: "name")
        self.nameColumn = nameColumn
        variableColumns = columns.indices.filter { $0 != emailColumn && $0 != nameColumn && !columns[$0].isEmpty }.map { ($0, columns[$0]) }
    }

    /// The next row, validated; nil at the end of the file. Blank lines are skipped.
    public mutating func next() throws(RecipientListError) -> RecipientCSV.Row? {
        while let record = try records.next() {
            if record.fields.count == 1, record.fields[0].trimmingWhitespace().isEmpty { continue }
            guard record.fields.count == columns.count else {
                throw RecipientListError(
                    line: record.line, message: "has \(record.fields.count) fields, the header has \(columns.count)", isRowError: true)
            }
            let email: EmailAddress
            do {
                email = try EmailAddress(record.fields[emailColumn])
            } catch {
                throw RecipientListError(
                    line: record.line, message: "invalid email address '\(record.fields[emailColumn])' (\(error.reason))", isRowError: true)
            }
            var variables: [String: String] = [:]
            for (index, column) in variableColumns { variables[column] = record.fields[index] }
            let name = nameColumn.map { record.fields[$0].trimmingWhitespace() }.flatMap { $0.isEmpty ? nil : $0 }
            return RecipientCSV.Row(line: record.line, email: email, name: name, variables: variables)
        }
        return nil
    }
}

/// RFC 4180 records from UTF-8 bytes read a chunk at a time: quoted fields may hold commas,
/// quotes (doubled) and line breaks, and may span chunks. Bytes, not characters, are scanned:
/// the delimiters are ASCII, and no byte of a multi-byte UTF-8 sequence is ASCII.
public struct CSVRecordReader {
    public struct Record: Sendable {
        /// The line the record starts on (the first line is 1).
        public let line: Int
        public let fields: [String]
    }

    enum Source {
        case file(FileHandle, chunkSize: Int)
        case bytes([UInt8])
    }

    private var source: Source?
    private var chunk: [UInt8] = []
    private var position = 0
    private var atStart = true

    private var fields: [String] = []
    private var field: [UInt8] = []
    private var line = 1
    private var recordLine = 1
    private var inQuotes = false
    /// A quote seen inside a quoted field: either half of a doubled quote or the closing one.
    private var quotePending = false
    private var fieldWasQuoted = false

    /// The last byte consumed: after an error, whether the bad record's line end was read.
    private var lastByte = UInt8(ascii: "\n")

    init(source: Source) { self.source = source }

    /// Reads UTF-8 CSV held in memory (an uploaded file).
    public init(bytes: [UInt8]) { self.init(source: .bytes(bytes)) }

    /// The next record; nil at the end. A record that cannot be read (a stray quote, text after a
    /// closing quote, bytes that are not UTF-8) throws; `skipRestOfRecord()` then lets the
    /// reader go on with the next line, so one bad line costs one record.
    public mutating func next() throws(RecipientListError) -> Record? {
        while true {
            if position == chunk.count {
                guard try refill() else { return try finish() }
            }
            let byte = chunk[position]
            position += 1
            lastByte = byte
            if let record = try consume(byte) { return record }
        }
    }

    /// After `next()` threw, drops what was read of the bad record and the rest of its line.
    public mutating func skipRestOfRecord() {
        fields = []
        field.removeAll(keepingCapacity: true)
        inQuotes = false
        quotePending = false
        fieldWasQuoted = false
        guard lastByte != UInt8(ascii: "\n") else { return }
        while true {
            if position == chunk.count {
                guard (try? refill()) == true else { return }
            }
            let byte = chunk[position]
            position += 1
            lastByte = byte
            if byte == UInt8(ascii: "\n") {
                line += 1
                recordLine = line
                return
            }
        }
    }

    /// Reads the next chunk; false at the end of the input.
    private mutating func refill() throws(RecipientListError) -> Bool {
        position = 0
        switch source {
        case .file(let handle, let chunkSize):
            do {
                guard let data = try handle.read(upToCount: chunkSize), !data.isEmpty else {
                    source = nil
                    return false
                }
                chunk = Array(data)
                // Enough bytes to recognise a byte order mark, whatever the chunk size.
                while atStart, chunk.count < 3, let more = try handle.read(upToCount: chunkSize), !more.isEmpty { chunk += more }
            } catch {
                throw RecipientListError(line: line, message: "cannot read the file: \(error)")
            }
        case .bytes(let bytes):
            chunk = bytes
            source = nil
            if bytes.isEmpty { return false }
        case nil:
            chunk = []
            return false
        }
        if atStart {
            atStart = false
            // A byte order mark, as spreadsheet programs write, is not part of the first column's name.
            if chunk.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
        }
        if position == chunk.count { return try refill() }
        return true
    }

    private mutating func consume(_ byte: UInt8) throws(RecipientListError) -> Record? {
        if inQuotes {
            if quotePending {
                quotePending = false
                if byte == UInt8(ascii: "\"") {
                    field.append(byte)
                    return nil
                }
                inQuotes = false
                // The quote closed the field: this byte is read as outside quotes.
            } else if byte == UInt8(ascii: "\"") {
                quotePending = true
                return nil
            } else {
                if byte == UInt8(ascii: "\n") { line += 1 }
                field.append(byte)
                return nil
            }
        }
        switch byte {
        case UInt8(ascii: "\""):
            guard field.isEmpty, !fieldWasQuoted else {
                throw RecipientListError(line: line, message: "a quote inside an unquoted field (quote the whole field and double the quote)")
            }
            inQuotes = true
            fieldWasQuoted = true
        case UInt8(ascii: ","):
            try endField()
        case UInt8(ascii: "\r"):
            break
        case UInt8(ascii: "\n"):
            // Counted even when the record is refused, so that the next one has its own line.
            defer {
                line += 1
                recordLine = line
            }
            return try endRecord()
        default:
            if fieldWasQuoted { throw RecipientListError(line: line, message: "text after a closing quote") }
            field.append(byte)
        }
        return nil
    }

    private mutating func finish() throws(RecipientListError) -> Record? {
        if quotePending {
            quotePending = false
            inQuotes = false
        }
        if inQuotes { throw RecipientListError(line: recordLine, message: "a quoted field is never closed") }
        guard !field.isEmpty || !fields.isEmpty || fieldWasQuoted else { return nil }
        return try endRecord()
    }

    private mutating func endField() throws(RecipientListError) {
        guard let text = String(validating: field, as: UTF8.self) else { throw RecipientListError(line: line, message: "is not UTF-8 text") }
        fields.append(text)
        field.removeAll(keepingCapacity: true)
        fieldWasQuoted = false
    }

    private mutating func endRecord() throws(RecipientListError) -> Record {
        try endField()
        let record = Record(line: recordLine, fields: fields)
        fields = []
        return record
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
