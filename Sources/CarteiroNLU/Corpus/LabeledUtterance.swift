import Foundation

/// An example utterance with the intent it expresses.
public struct LabeledUtterance: Sendable, Hashable, Codable {
    public var text: String
    public var intent: String

    public init(text: String, intent: String) {
        self.text = text
        self.intent = intent
    }

    /// The utterances of a CSV file whose header names a text column and an intent column, such
    /// as Banking77's `text,category`. Records whose every field is empty are skipped.
    public static func load(
        csvFile path: String,
        textColumn: String = "text",
        intentColumn: String = "category"
    ) throws(CSVError) -> [LabeledUtterance] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw CSVError(.unreadableFile, line: 0, "cannot read \(path) as UTF-8 text")
        }
        return try parse(csv: text, textColumn: textColumn, intentColumn: intentColumn)
    }

    /// The utterances of CSV text whose header names a text column and an intent column.
    public static func parse(
        csv: String,
        textColumn: String = "text",
        intentColumn: String = "category"
    ) throws(CSVError) -> [LabeledUtterance] {
        let records = try CSVReader.numberedRecords(in: csv)
        guard let header = records.first?.fields else { throw CSVError(.missingColumn, line: 1, "the file is empty; expected a header") }
        guard let textIndex = header.firstIndex(of: textColumn) else {
            throw CSVError(.missingColumn, line: 1, "the header has no column '\(textColumn)'")
        }
        guard let intentIndex = header.firstIndex(of: intentColumn) else {
            throw CSVError(.missingColumn, line: 1, "the header has no column '\(intentColumn)'")
        }
        var utterances: [LabeledUtterance] = []
        utterances.reserveCapacity(records.count - 1)
        for (line, record) in records.dropFirst() {
            if record.allSatisfy(\.isEmpty) { continue }
            guard record.count == header.count else {
                throw CSVError(.wrongFieldCount, line: line, "the record has \(record.count) fields; the header has \(header.count)")
            }
            utterances.append(LabeledUtterance(text: record[textIndex], intent: record[intentIndex]))
        }
        return utterances
    }
}
