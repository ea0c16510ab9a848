/// The form of text the classifier sees: case folded, accents stripped ("Conexão" → "conexao"),
/// punctuation turned into word breaks, apostrophes dropped inside words ("don't" → "dont"),
/// and words separated by single spaces.
public enum TextNormalization {
    /// `text` in normalised form.
    public static func normalize(_ text: String) -> String {
        var scalars: [UInt32] = []
        scalars.reserveCapacity(text.utf8.count)
        fold(text, into: &scalars)
        // Built as UTF-8 bytes: appending scalars to a String one by one costs several times more.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(scalars.count + scalars.count / 4)
        for value in scalars {
            if value < 0x80 {
                bytes.append(UInt8(value))
            } else if let scalar = Unicode.Scalar(value), let encoded = UTF8.encode(scalar) {
                bytes.append(contentsOf: encoded)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the normalised scalars of `text` to `output`: words of letters and digits, one
    /// space (0x20) between words, none before the first or after the last.
    static func fold(_ text: String, into output: inout [UInt32]) {
        let table = ScalarFoldingTable.shared
        let start = output.count
        var pendingSpace = false
        func emit(_ value: UInt32) {
            if pendingSpace {
                if output.count > start { output.append(0x20) }
                pendingSpace = false
            }
            output.append(value)
        }
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if value < 0x80 {
                switch value {
                case 0x61...0x7A, 0x30...0x39: emit(value)
                case 0x41...0x5A: emit(value + 0x20)
                case 0x27: continue
                default: pendingSpace = true
                }
                continue
            }
            switch table.folding(of: scalar) {
            case .separator:
                pendingSpace = true
            case .joiner:
                continue
            case .scalars(let range):
                for index in range { emit(table.pool[index]) }
            case .scalar(let folded):
                emit(folded)
            }
        }
    }
}
