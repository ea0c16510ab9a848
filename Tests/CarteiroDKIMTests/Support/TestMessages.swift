import Foundation

/// Messages built by hand as CRLF bytes, the way the renderer sends them.
enum TestMessages {
    /// A newsletter-like message: RFC 2047 subject with accents and an emoji folded over two
    /// lines, folded To and List-Unsubscribe, whitespace runs, trailing whitespace and blank lines
    /// at the end of the body (all of which relaxed canonicalization must treat right).
    static var newsletter: [UInt8] {
        let subjectStart = "=?UTF-8?B?\(Data("Olá, ação confirmada".utf8).base64EncodedString())?="
        let subjectEnd = "=?UTF-8?B?\(Data(" — até já 🚀".utf8).base64EncodedString())?="
        return crlf([
            "From: =?UTF-8?Q?Jos=C3=A9_Carteiro?= <jose@example.com>",
            "To: Ana <ana@example.org>,",
            "   Bruno   Lima <bruno@example.org>",
            "Subject: \(subjectStart)",
            " \(subjectEnd)",
            "Date: Mon, 02 Mar 2026 10:00:00 +0000",
            "Message-ID: <20260302100000.abc123@example.com>",
            "Reply-To:  suporte@example.com  ",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: quoted-printable",
            "List-Unsubscribe: <https://example.com/u/abc123>,",
            "\t<mailto:unsubscribe@example.com?subject=abc123>",
            "List-Unsubscribe-Post: List-Unsubscribe=One-Click",
            "List-Id: Novidades <news.example.com>",
            "X-Campaign:   spring    2026\t",
            "",
            "Ol=C3=A1 Ana,",
            "",
            "Temos    novidades\t\tpara   si.   ",
            "  Linha com espa=C3=A7os no in=C3=ADcio e tab no fim\t",
            "",
            "Obrigado,   ",
            "Jos=C3=A9",
            "   ",
            "",
            "",
        ])
    }

    /// RFC 8463 Appendix A: the unsigned message.
    static var rfc8463: [UInt8] {
        crlf([
            "From: Joe SixPack <joe@football.example.com>",
            "To: Suzie Q <suzie@shopping.example.net>",
            "Subject: Is dinner ready?",
            "Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)",
            "Message-ID: <20030712040037.46341.5F8J@football.example.com>",
            "",
            "Hi.",
            "",
            "We lost the game.  Are you hungry yet?",
            "",
            "Joe.",
            "",
        ])
    }

    static func crlf(_ lines: [String]) -> [UInt8] {
        Array(lines.map { $0 + "\r\n" }.joined().utf8)
    }

    /// `message` with `old` replaced by `new` once (both ASCII/UTF-8 text of the message).
    static func replacing(_ old: String, with new: String, in message: [UInt8]) -> [UInt8] {
        let text = String(decoding: message, as: UTF8.self)
        guard let range = text.range(of: old) else { return message }
        return Array(text.replacingCharacters(in: range, with: new).utf8)
    }

    /// `message` with `line` (no CRLF) inserted as a header field just before the blank line.
    static func appendingHeader(_ line: String, to message: [UInt8]) -> [UInt8] {
        replacing("\r\n\r\n", with: "\r\n\(line)\r\n\r\n", in: message)
    }
}
