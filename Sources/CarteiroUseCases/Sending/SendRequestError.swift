public import CarteiroMail

/// Why a send request was refused before anything was stored: one field, or the bad rows of a
/// recipient list (every one up to `listedRows`, then a count).
public struct SendRequestError: Error, Sendable, CustomStringConvertible {
    /// The field or file at fault (`--from`, `subject`, `list.csv`).
    public let field: String
    public let message: String
    /// Bad recipient rows, in file order, at most `listedRows` of them.
    public let rows: [RecipientListError]
    /// Every bad row, listed or not.
    public let badRowCount: Int

    /// Bad rows listed in one error; the rest are counted.
    public static let listedRows = 100

    public init(field: String, _ message: String) {
        self.field = field
        self.message = message
        rows = []
        badRowCount = 0
    }

    init(rows: [RecipientListError], badRowCount: Int? = nil, source: String) {
        field = source
        self.rows = rows
        self.badRowCount = badRowCount ?? rows.count
        let count = self.badRowCount
        message = count == 1 ? rows[0].description : "\(count) bad rows (nothing was stored)"
    }

    /// One line; the bad rows, when there are several, one per line after it.
    public var description: String {
        var text = "\(field): \(message)"
        guard badRowCount > 1 else { return text }
        for row in rows { text += "\n  \(row)" }
        if badRowCount > rows.count { text += "\n  … and \(badRowCount - rows.count) more" }
        return text
    }
}
