/// One piece of a response line: an atom (`BODY[]`, `\Seen`, a number), a quoted string or
/// literal (its bytes), or a parenthesis.
enum IMAPToken: Sendable, Equatable {
    case atom(String)
    case string([UInt8])
    case open
    case close

    var atom: String? {
        if case .atom(let value) = self { return value }
        return nil
    }
}
