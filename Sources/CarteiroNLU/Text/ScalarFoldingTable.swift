import Foundation

/// How each non-ASCII scalar folds: to zero or more letters/digits (lower case, without
/// diacritics, compatibility forms expanded), to a word break, or to nothing inside a word
/// (apostrophes, combining marks).
///
/// Scalars below `tableLimit` (Latin, Greek, Cyrillic, …, general punctuation) are looked up in a
/// table built once with Foundation's NFKD decomposition; the rest are folded from their Unicode
/// properties on the fly.
struct ScalarFoldingTable: Sendable {
    enum Folding {
        case separator
        case joiner
        case scalars(Range<Int>)
        case scalar(UInt32)
    }

    // An immutable Unicode data table, built lazily on first use; it holds no state.
    static let shared = ScalarFoldingTable()

    private static let tableLimit: UInt32 = 0x2500
    private static let separatorMark: UInt32 = 0xFF
    private static let joinerMark: UInt32 = 0xFE

    /// Folded scalars, referred to by `entries`.
    private(set) var pool: [UInt32] = []
    /// For scalar `v` below `tableLimit`: `start << 8 | count`, or a separator/joiner mark.
    private var entries: [UInt32]

    /// Letters NFKD leaves alone that readers still see as a base letter plus something.
    private static let extraFoldings: [UInt32: String] = [
        0xDF: "ss", 0xE6: "ae", 0x153: "oe", 0xF8: "o", 0x111: "d", 0xF0: "d", 0x142: "l",
        0xFE: "th", 0x131: "i", 0x127: "h",
    ]

    private init() {
        entries = [UInt32](repeating: Self.separatorMark, count: Int(Self.tableLimit))
        for value in UInt32(0x80)..<Self.tableLimit {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let folded = Self.slowFolding(of: scalar)
            switch folded {
            case nil:
                entries[Int(value)] = Self.joinerMark
            case let scalars? where scalars.isEmpty:
                entries[Int(value)] = Self.separatorMark
            case let scalars?:
                entries[Int(value)] = UInt32(pool.count) << 8 | UInt32(scalars.count)
                pool.append(contentsOf: scalars)
            }
        }
    }

    @inline(__always)
    func folding(of scalar: Unicode.Scalar) -> Folding {
        let value = scalar.value
        guard value < Self.tableLimit else { return Self.foldingOutsideTable(scalar) }
        let entry = entries[Int(value)]
        switch entry {
        case Self.separatorMark: return .separator
        case Self.joinerMark: return .joiner
        default:
            let start = Int(entry >> 8)
            return .scalars(start..<start + Int(entry & 0xFF))
        }
    }

    /// Past the table (CJK, Hangul, symbols, emoji, …) letters and digits stand for themselves in
    /// lower case; fullwidth ASCII folds to ASCII.
    private static func foldingOutsideTable(_ scalar: Unicode.Scalar) -> Folding {
        var scalar = scalar
        if (0xFF01...0xFF5E).contains(scalar.value) {
            scalar = Unicode.Scalar(scalar.value - 0xFEE0)!
        }
        if isMark(scalar) || scalar.value == 0x27 { return .joiner }
        guard isWordCharacter(scalar) else { return .separator }
        return .scalar(scalar.properties.lowercaseMapping.unicodeScalars.first?.value ?? scalar.value)
    }

    /// The folded letters/digits of one scalar; `[]` for a word break, `nil` for nothing at all.
    static func slowFolding(of scalar: Unicode.Scalar) -> [UInt32]? {
        if isMark(scalar) || scalar.value == 0x2019 || scalar.value == 0x2018 || scalar.value == 0x2BC {
            return nil
        }
        guard isWordCharacter(scalar) else { return [] }
        if let extra = extraFoldings[scalar.value] { return extra.unicodeScalars.map(\.value) }
        let lower = scalar.properties.lowercaseMapping
        let decomposed = lower.decomposedStringWithCompatibilityMapping.unicodeScalars
        let kept = decomposed.filter { isWordCharacter($0) && !isMark($0) }
        return kept.flatMap { kept -> [UInt32] in
            if let extra = extraFoldings[kept.value] { return extra.unicodeScalars.map(\.value) }
            return [kept.properties.lowercaseMapping.unicodeScalars.first?.value ?? kept.value]
        }
    }

    static func isMark(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: true
        default: false
        }
    }

    static func isWordCharacter(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isAlphabetic || scalar.properties.numericType != nil
    }
}
