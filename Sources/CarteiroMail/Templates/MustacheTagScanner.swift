import Foundation

/// Finds the variables a mustache template refers to, with their positions, so that unknown
/// ones are refused when the template is saved.
enum MustacheTagScanner {
    static func checkVariables(in source: String, part: String, known: Set<String>) throws(TemplateError) {
        var sectionDepth = 0
        let characters = Array(source.unicodeScalars)
        var index = 0
        var line = 1
        var column = 1
        func advance() {
            if characters[index] == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
            index += 1
        }
        while index < characters.count {
            guard characters[index] == "{", index + 1 < characters.count, characters[index + 1] == "{" else {
                advance()
                continue
            }
            let tagLine = line
            let tagColumn = column
            advance()
            advance()
            var tag = String.UnicodeScalarView()
            while index < characters.count, !(characters[index] == "}" && index + 1 < characters.count && characters[index + 1] == "}") {
                tag.append(characters[index])
                advance()
            }
            guard index < characters.count else {
                throw TemplateError(part: part, line: tagLine, column: tagColumn, message: "tag '{{' is never closed")
            }
            advance()
            advance()
            if index < characters.count, characters[index] == "}" { advance() }
            var name = String(tag).trimmingCharacters(in: [" "])
            guard let sigil = name.unicodeScalars.first else {
                throw TemplateError(part: part, line: tagLine, column: tagColumn, message: "empty tag")
            }
            switch sigil {
            case "!", "%", ">", "<", "$", "=":
                // Comments, pragmas and partials name no variable. A delimiter change would hide
                // the rest from this scan, so it is refused.
                if sigil == "=" {
                    throw TemplateError(part: part, line: tagLine, column: tagColumn, message: "changing delimiters is not supported")
                }
                continue
            case "#", "^":
                sectionDepth += 1
                name.removeFirst()
            case "/":
                sectionDepth = max(0, sectionDepth - 1)
                continue
            case "{", "&":
                name.removeFirst()
            default:
                break
            }
            name = name.trimmingCharacters(in: [" "])
            // Inside a section, names may refer to the section's own value; only top-level names are checked.
            guard sectionDepth == 0 || sigil == "#" || sigil == "^", !name.isEmpty, name != "." else { continue }
            if sectionDepth > 1 && (sigil == "#" || sigil == "^") { continue }
            if known.contains(name) || name.hasPrefix("attributes.") || name == "attributes" { continue }
            throw TemplateError(
                part: part, line: tagLine, column: tagColumn,
                message: "unknown variable '\(name)' (known: \(known.sorted().joined(separator: ", ")), attributes.NAME)")
        }
    }
}
