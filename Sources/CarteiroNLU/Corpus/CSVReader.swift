/// Reads comma-separated values as RFC 4180 defines them: fields may be quoted, a quoted field
/// may hold commas, line breaks and doubled quotes (`""` for `"`); records end with CRLF or LF.
/// A leading UTF-8 byte order mark is skipped, and a final line break does not start a record.
public enum CSVReader {
    /// The records of `text`, each a list of fields.
    public static func records(in text: String) throws(CSVError) -> [[String]] {
        try numberedRecords(in: text).map(\.fields)
    }

    /// The records of `text`, each with the line it starts on.
    static func numberedRecords(in text: String) throws(CSVError) -> [(line: Int, fields: [String])] {
        var records: [(line: Int, fields: [String])] = []
        var record: [String] = []
        var field: [UInt8] = []
        var line = 1
        var recordLine = 1
        var bytes = Array(text.utf8)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }

        enum State { case fieldStart, unquoted, quoted, quoteInQuoted }
        var state = State.fieldStart
        func endField() {
            record.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
        }
        func endRecord() {
            endField()
            records.append((recordLine, record))
            record = []
        }

        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch state {
            case .fieldStart, .unquoted, .quoteInQuoted:
                switch byte {
                case UInt8(ascii: ","):
                    endField()
                    state = .fieldStart
                case UInt8(ascii: "\r") where index < bytes.count && bytes[index] == UInt8(ascii: "\n"):
                    continue
                case UInt8(ascii: "\n"):
                    endRecord()
                    line += 1
                    recordLine = line
                    state = .fieldStart
                case UInt8(ascii: "\"") where state == .fieldStart:
                    state = .quoted
                case UInt8(ascii: "\"") where state == .quoteInQuoted:
                    field.append(byte)
                    state = .quoted
                case _ where state == .quoteInQuoted:
                    throw CSVError(.unexpectedCharacterAfterQuote, line: line, "a closing quote must be followed by a comma or a line break")
                case UInt8(ascii: "\""):
                    throw CSVError(.quoteInUnquotedField, line: line, "a field that holds a quote must be quoted, with the quote doubled")
                default:
                    field.append(byte)
                    state = .unquoted
                }
            case .quoted:
                if byte == UInt8(ascii: "\"") {
                    state = .quoteInQuoted
                } else {
                    if byte == UInt8(ascii: "\n") { line += 1 }
                    field.append(byte)
                }
            }
        }
        switch state {
        case .quoted:
            throw CSVError(.unterminatedQuote, line: recordLine, "the quoted field opened in this record is never closed")
        case .fieldStart where record.isEmpty:
            break
        default:
            endRecord()
        }
        return records
    }
}
