/// Writes a `DKIM-Signature` field folded to 78-character lines, folding only where RFC 6376
/// §3.2 allows whitespace (between tags, after `:` in `h=`, inside base64 values), so that what
/// is hashed (the field with an empty `b=`) is exactly what is sent.
struct SignatureHeaderBuilder {
    static let lineLimit = 78

    private(set) var bytes: [UInt8] = []
    private var column = 0

    init() {
        bytes.reserveCapacity(1024)
        appendRaw("DKIM-Signature:")
    }

    /// A whole `tag=value;` that is not broken inside (short values: `v=1;`, `d=example.com;`).
    mutating func appendTag(_ text: String) {
        let width = text.utf8.count
        if column + 1 + width > Self.lineLimit { fold() } else { appendRaw(" ") }
        appendRaw(text)
    }

    /// `h=` with its names joined by colons, folding after a colon when the line is full.
    mutating func appendHeaderList(_ names: [String]) {
        var pieces: [String] = []
        for (offset, name) in names.enumerated() {
            let first = offset == 0 ? "h=" : ""
            let last = offset == names.count - 1 ? ";" : ":"
            pieces.append(first + name + last)
        }
        for (offset, piece) in pieces.enumerated() {
            let width = piece.utf8.count
            if offset == 0 {
                if column + 1 + width > Self.lineLimit { fold() } else { appendRaw(" ") }
            } else if column + width > Self.lineLimit {
                fold()
            }
            appendRaw(piece)
        }
    }

    /// `tag=` and a base64 value, folded inside the value when it does not fit;
    /// `terminated` adds the `;` that separates it from a following tag.
    mutating func appendBase64Tag(_ tag: String, _ value: String, terminated: Bool) {
        let prefix = tag + "="
        let whole = prefix.utf8.count + value.utf8.count + (terminated ? 1 : 0)
        if column + 1 + whole <= Self.lineLimit {
            appendRaw(" ")
        } else if 1 + whole <= Self.lineLimit {
            fold()  // fits whole on a line of its own
        } else if column + 1 + prefix.utf8.count + 8 <= Self.lineLimit {
            appendRaw(" ")  // long: start here and break inside the value
        } else {
            fold()
        }
        appendRaw(prefix)
        appendBase64(value)
        if terminated { appendRaw(";") }
    }

    /// The `b=` value after `appendBase64Tag("b", "", terminated: false)`.
    mutating func appendBase64(_ value: String) {
        var remaining = Substring(value)
        while !remaining.isEmpty {
            var room = Self.lineLimit - column
            if room < 8 {  // too little left on this line to be worth it
                fold()
                room = Self.lineLimit - column
            }
            let chunk = remaining.prefix(room)
            appendRaw(String(chunk))
            remaining = remaining.dropFirst(chunk.count)
            if !remaining.isEmpty { fold() }
        }
    }

    mutating func finish() {
        bytes.append(ASCII.cr)
        bytes.append(ASCII.lf)
    }

    private mutating func fold() {
        bytes.append(ASCII.cr)
        bytes.append(ASCII.lf)
        bytes.append(ASCII.space)
        column = 1
    }

    private mutating func appendRaw(_ text: String) {
        bytes.append(contentsOf: text.utf8)
        column += text.utf8.count
    }
}
