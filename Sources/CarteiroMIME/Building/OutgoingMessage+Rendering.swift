extension OutgoingMessage {
    /// Header names the renderer owns; a custom header with one of these names is refused.
    static let reservedHeaderNames: Set<String> = [
        "from", "to", "cc", "bcc", "reply-to", "subject", "date", "message-id", "in-reply-to", "references", "mime-version",
        "content-type", "content-transfer-encoding", "sender",
    ]

    /// Renders with CRLF line endings: From, To, Cc, Reply-To, Subject, Date, Message-ID,
    /// (In-Reply-To, References), MIME-Version, the custom headers, then the body —
    /// multipart/alternative (text, then HTML) when both bodies exist, a single part otherwise.
    public func render() throws(MIMEError) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return try render(using: &generator)
    }

    /// As `render()`, drawing the multipart boundary from `generator`.
    public func render(using generator: inout some RandomNumberGenerator) throws(MIMEError) -> [UInt8] {
        var folder = HeaderFolder()
        try from.checkSafe(field: "From")
        guard !to.isEmpty else { throw MIMEError(.invalidAddress, field: "To", "at least one recipient is required") }
        try folder.write("From", tokens: from.renderedTokens(firstBudget: HeaderFolder.firstWordBudget(for: "From")))
        try folder.write("To", tokens: try addressListTokens(to, field: "To"))
        if !cc.isEmpty { try folder.write("Cc", tokens: try addressListTokens(cc, field: "Cc")) }
        if let replyTo {
            try replyTo.checkSafe(field: "Reply-To")
            try folder.write("Reply-To", tokens: replyTo.renderedTokens(firstBudget: HeaderFolder.firstWordBudget(for: "Reply-To")))
        }
        try MIMEError.checkNoLineBreaks(subject, field: "Subject")
        try folder.write("Subject", tokens: HeaderFolder.unstructuredTokens(subject, name: "Subject"))
        try folder.write("Date", tokens: RFC5322Date.format(date).wordsAtSpaces().map(String.init))
        try Self.checkMessageID(messageID, field: "Message-ID")
        try folder.write("Message-ID", tokens: ["<\(messageID)>"])
        if let inReplyTo {
            try Self.checkMessageID(inReplyTo, field: "In-Reply-To")
            try folder.write("In-Reply-To", tokens: ["<\(inReplyTo)>"])
        }
        if !references.isEmpty {
            for reference in references { try Self.checkMessageID(reference, field: "References") }
            try folder.write("References", tokens: references.map { "<\($0)>" })
        }
        try folder.write("MIME-Version", tokens: ["1.0"])
        for header in headers {
            try Self.checkHeaderName(header.name)
            try MIMEError.checkNoLineBreaks(header.value, field: header.name)
            try folder.write(header.name, tokens: HeaderFolder.unstructuredTokens(header.value, name: header.name, encodingLongWords: false))
        }

        var output = folder.bytes
        let text = textBody ?? htmlBody.map(HTMLText.readableText(fromHTML:)) ?? ""
        let textPart = try BodyPart(text, subtype: "plain")
        guard let htmlBody else {
            output.reserveCapacity(output.count + textPart.headers.count + 2 + textPart.content.count)
            output.append(contentsOf: textPart.headers)
            output.append(contentsOf: [13, 10])
            output.append(contentsOf: textPart.content)
            return output
        }
        let htmlPart = try BodyPart(htmlBody, subtype: "html")
        var boundary: [UInt8]
        repeat {
            boundary = Self.makeBoundary(using: &generator)
        } while textPart.content.contains(boundary) || htmlPart.content.contains(boundary)
        output.append(contentsOf: "Content-Type: multipart/alternative;\r\n boundary=\"".utf8)
        output.append(contentsOf: boundary)
        output.append(contentsOf: "\"\r\n\r\n".utf8)
        for part in [textPart, htmlPart] {
            output.append(contentsOf: "--".utf8)
            output.append(contentsOf: boundary)
            output.append(contentsOf: [13, 10])
            output.append(contentsOf: part.headers)
            output.append(contentsOf: [13, 10])
            output.append(contentsOf: part.content)
            output.append(contentsOf: [13, 10])
        }
        output.append(contentsOf: "--".utf8)
        output.append(contentsOf: boundary)
        output.append(contentsOf: "--\r\n".utf8)
        return output
    }

    private func addressListTokens(_ addresses: [MailAddress], field: String) throws(MIMEError) -> [String] {
        var tokens: [String] = []
        for (index, address) in addresses.enumerated() {
            try address.checkSafe(field: field)
            var pieces = address.renderedTokens(firstBudget: index == 0 ? HeaderFolder.firstWordBudget(for: field) : EncodedWord.maximumLength - 1)
            if index < addresses.count - 1 { pieces[pieces.count - 1] += "," }
            tokens.append(contentsOf: pieces)
        }
        return tokens
    }

    static func checkHeaderName(_ name: String) throws(MIMEError) {
        try MIMEError.checkNoLineBreaks(name, field: "header name")
        guard !name.isEmpty, name.utf8.count <= 76, name.utf8.allSatisfy({ $0 > 32 && $0 < 127 && $0 != UInt8(ascii: ":") }) else {
            throw MIMEError(
                .invalidHeaderName, field: name, "\(name.debugDescription) is not a valid header name (printable ASCII without colon or space)")
        }
        guard !reservedHeaderNames.contains(name.lowercased()) else {
            throw MIMEError(.reservedHeader, field: name, "\(name) is written by the renderer and cannot be set as a custom header")
        }
    }

    static func checkMessageID(_ id: String, field: String) throws(MIMEError) {
        try MIMEError.checkNoLineBreaks(id, field: field)
        let bytes = id.utf8
        guard let at = bytes.firstIndex(of: UInt8(ascii: "@")), at != bytes.startIndex, bytes.index(after: at) != bytes.endIndex,
            bytes.count <= 250,
            bytes.allSatisfy({ $0 > 32 && $0 < 127 && $0 != UInt8(ascii: "<") && $0 != UInt8(ascii: ">") })
        else {
            throw MIMEError(.invalidMessageID, field: field, "\(id.debugDescription) is not a message ID (left@right, printable ASCII, no brackets)")
        }
    }

    private static let boundaryAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)

    // "=_" cannot occur in quoted-printable or base64 output, so only 7bit parts can ever clash.
    private static func makeBoundary(using generator: inout some RandomNumberGenerator) -> [UInt8] {
        var boundary = Array("=_carteiro_".utf8)
        for _ in 0..<28 { boundary.append(boundaryAlphabet[Int(generator.next(upperBound: UInt64(boundaryAlphabet.count)))]) }
        return boundary
    }
}

/// One text part, its headers and its transfer-encoded content (CRLF, no trailing line break).
private struct BodyPart {
    let headers: [UInt8]
    let content: [UInt8]

    init(_ text: String, subtype: String) throws(MIMEError) {
        let bytes = Self.crlfLines(text)
        let encoding: String
        let content: [UInt8]
        switch Self.chooseEncoding(bytes) {
        case .sevenBit:
            encoding = "7bit"
            content = bytes
        case .quotedPrintable:
            encoding = "quoted-printable"
            content = QuotedPrintable.encode(bytes)
        case .base64:
            encoding = "base64"
            content = Base64.encode(bytes)
        }
        headers = Array("Content-Type: text/\(subtype); charset=utf-8\r\nContent-Transfer-Encoding: \(encoding)\r\n".utf8)
        self.content = content
    }

    private enum Encoding { case sevenBit, quotedPrintable, base64 }

    private static func chooseEncoding(_ bytes: [UInt8]) -> Encoding {
        var nonASCII = 0
        var controls = 0
        var equals = 0
        var longestLine = 0
        var lineStart = 0
        bytes.withUnsafeBufferPointer { bytes in
            for index in bytes.indices {
                let byte = bytes[index]
                if byte >= 32, byte < 127, byte != UInt8(ascii: "=") { continue }
                if byte == 10 {
                    longestLine = max(longestLine, index - 1 - lineStart)
                    lineStart = index + 1
                } else if byte >= 0x80 {
                    nonASCII += 1
                } else if byte == UInt8(ascii: "=") {
                    equals += 1
                } else if (byte < 32 && byte != 9 && byte != 13) || byte == 127 {
                    controls += 1
                }
            }
        }
        longestLine = max(longestLine, bytes.count - lineStart)
        if nonASCII == 0, controls == 0, longestLine <= 78 { return .sevenBit }
        // Mostly ASCII (at most a fifth of the bytes escaped, as in accented Latin text): quoted-printable
        // keeps it readable at a cost close to base64's; anything denser (Cyrillic, CJK, emoji) is base64.
        return (nonASCII + controls + equals) * 5 <= bytes.count ? .quotedPrintable : .base64
    }

    /// Every line break (CRLF, bare LF, bare CR) as CRLF.
    private static func crlfLines(_ text: String) -> [UInt8] {
        var text = text
        return text.withUTF8 { input in
            var output: [UInt8] = []
            output.reserveCapacity(input.count + input.count / 40 + 2)
            var runStart = 0
            var index = 0
            let count = input.count
            while index < count {
                let byte = input[index]
                guard byte == 10 || byte == 13 else {
                    index += 1
                    continue
                }
                output.append(contentsOf: UnsafeBufferPointer(rebasing: input[runStart..<index]))
                output.append(13)
                output.append(10)
                index += byte == 13 && index + 1 < count && input[index + 1] == 10 ? 2 : 1
                runStart = index
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: input[runStart..<count]))
            return output
        }
    }
}

extension [UInt8] {
    func contains(_ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= count else { return false }
        let first = needle[0]
        var index = 0
        let last = count - needle.count
        while index <= last {
            if self[index] == first, self[index..<(index + needle.count)].elementsEqual(needle) { return true }
            index += 1
        }
        return false
    }
}
