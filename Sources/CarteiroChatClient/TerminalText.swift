/// Text that came over the wire, made safe to print on a terminal. A customer's message reaches
/// an agent's terminal as it was typed: an escape sequence in it would clear the screen, retitle
/// the window or move the cursor, and a newline would start a line that could pass for one of
/// the client's own ("system: …"). Control characters are shown, never obeyed, whether or not
/// the client prints colours.
public enum TerminalText {
    /// What continues a multi-line message on the lines after its first: no line the client
    /// prints itself starts this way.
    public static let continuation = "  | "

    /// `text` with every character a terminal would act on shown instead: C0 controls and DEL as
    /// their Unicode control pictures (ESC as `␛`, CR as `␍`, a newline as `␊`), C1 controls and
    /// bidirectional overrides as `\u{…}`. A tab stays a tab.
    public static func escaped(_ text: String) -> String {
        var output = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x09:
                output.append(scalar)
            case 0x00...0x1F:
                // U+2400…U+241F are the control pictures of U+0000…U+001F, in order.
                output.append(Unicode.Scalar(0x2400 + scalar.value)!)
            case 0x7F:
                output.append("\u{2421}")
            case 0x80...0x9F, 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2028, 0x2029, 0x2066...0x2069:
                // C1 controls (U+009B is a one-character CSI on some terminals), and the marks
                // and overrides that reorder what follows them on the line.
                output.append(contentsOf: "\\u{\(String(scalar.value, radix: 16, uppercase: true))}".unicodeScalars)
            default:
                output.append(scalar)
            }
        }
        return String(output)
    }

    /// `label` followed by `text`, escaped; each further line of `text` on a line of its own
    /// that starts with `indent` and `continuation`, so that what a peer typed after a newline
    /// stays visibly part of its message.
    public static func labelled(_ label: String, _ text: String, indent: String = "") -> String {
        let lines = text.replacingCRLF().split(separator: "\n", omittingEmptySubsequences: false)
        var output = label + escaped(String(lines[0]))
        for line in lines.dropFirst() {
            output += "\n" + indent + continuation + escaped(String(line))
        }
        return output
    }
}

extension String {
    fileprivate func replacingCRLF() -> String {
        guard unicodeScalars.contains("\r") else { return self }
        var output = String.UnicodeScalarView()
        var previousWasCR = false
        for scalar in unicodeScalars {
            if previousWasCR && scalar != "\n" { output.append("\r") }
            previousWasCR = scalar == "\r"
            if !previousWasCR { output.append(scalar) }
        }
        if previousWasCR { output.append("\r") }
        return String(output)
    }
}
