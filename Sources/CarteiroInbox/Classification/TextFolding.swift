/// Lowercasing and accent folding for matching typed words ("Não" and "nao", "inscrição" and
/// "inscricao" are the same answer), without Foundation's locale machinery.
enum TextFolding {
    /// Lowercased, with Latin accents removed; other characters kept.
    static func fold<S: StringProtocol>(_ text: S) -> String {
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x41...0x5A: result.append(Unicode.Scalar(scalar.value + 32)!)
            case 0x00..<0x80: result.append(scalar)
            default:
                if let base = latinBase(scalar) {
                    result.append(base)
                } else if scalar.properties.isDiacritic || scalar.properties.generalCategory == .nonspacingMark {
                    continue
                } else {
                    result.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
                }
            }
        }
        return String(result)
    }

    /// Folded words: runs of letters and digits.
    static func words<S: StringProtocol>(_ text: S) -> [Substring] {
        fold(text).split(whereSeparator: { !($0.isLetter || $0.isNumber) })
    }

    private static func latinBase(_ scalar: Unicode.Scalar) -> Unicode.Scalar? {
        switch scalar {
        case "à", "á", "â", "ã", "ä", "å", "À", "Á", "Â", "Ã", "Ä", "Å": "a"
        case "ç", "Ç": "c"
        case "è", "é", "ê", "ë", "È", "É", "Ê", "Ë": "e"
        case "ì", "í", "î", "ï", "Ì", "Í", "Î", "Ï": "i"
        case "ñ", "Ñ": "n"
        case "ò", "ó", "ô", "õ", "ö", "Ò", "Ó", "Ô", "Õ", "Ö": "o"
        case "ù", "ú", "û", "ü", "Ù", "Ú", "Û", "Ü": "u"
        case "ý", "ÿ", "Ý": "y"
        default: nil
        }
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces, tabs and line breaks.
    func trimmingWhitespace() -> String {
        guard let first = firstIndex(where: { !$0.isWhitespace }), let last = lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return String(self[first...last])
    }
}
