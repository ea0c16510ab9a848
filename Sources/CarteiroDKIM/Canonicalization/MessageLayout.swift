/// Where a message's header fields and body lie in its bytes, found without copying them.
///
/// Lines may end in CRLF or a bare LF (an SMTP client sends both as CRLF, which is what a
/// verifier sees and so what is hashed).
package struct MessageLayout: Sendable {
    package struct Field: Sendable {
        /// First byte of the field name.
        package let start: Int
        /// The colon after the name.
        package let colon: Int
        /// One past the field's final line terminator.
        package let end: Int
    }

    package let fields: [Field]
    package let bodyStart: Int

    package init(_ message: UnsafeBufferPointer<UInt8>) throws(DKIMError) {
        var fields: [Field] = []
        var fieldStart = -1
        var fieldColon = -1
        var index = 0
        var lineNumber = 0
        var bodyStart = message.count
        var headerEnd = message.count
        let count = message.count
        while index < count {
            lineNumber += 1
            let lineStart = index
            var lineEnd = lineStart
            while lineEnd < count, message[lineEnd] != ASCII.lf { lineEnd += 1 }
            let next = lineEnd < count ? lineEnd + 1 : count
            var contentEnd = lineEnd
            if lineEnd < count, contentEnd > lineStart, message[contentEnd - 1] == ASCII.cr { contentEnd -= 1 }
            if contentEnd == lineStart {
                headerEnd = lineStart
                bodyStart = next
                break
            }
            let first = message[lineStart]
            if first == ASCII.space || first == ASCII.tab {
                guard fieldStart >= 0 else {
                    throw DKIMError(.malformedMessage, field: "header", "line 1 starts with whitespace, as a continuation of no header field")
                }
            } else {
                if fieldStart >= 0 { fields.append(Field(start: fieldStart, colon: fieldColon, end: lineStart)) }
                var colon = lineStart
                while colon < contentEnd, message[colon] != ASCII.colon { colon += 1 }
                guard colon < contentEnd, colon > lineStart else {
                    throw DKIMError(
                        .malformedMessage, field: "header", "line \(lineNumber) is neither a header field nor the blank line before the body")
                }
                fieldStart = lineStart
                fieldColon = colon
            }
            index = next
        }
        if fieldStart >= 0 { fields.append(Field(start: fieldStart, colon: fieldColon, end: headerEnd)) }
        self.fields = fields
        self.bodyStart = bodyStart
    }

    /// Whether the field's name equals `lowercasedName` (ASCII, compared case-insensitively;
    /// whitespace before the colon is not part of the name).
    package func field(_ field: Field, in message: UnsafeBufferPointer<UInt8>, isNamed lowercasedName: [UInt8]) -> Bool {
        var nameEnd = field.colon
        while nameEnd > field.start, message[nameEnd - 1] == ASCII.space || message[nameEnd - 1] == ASCII.tab { nameEnd -= 1 }
        guard nameEnd - field.start == lowercasedName.count else { return false }
        for offset in 0..<lowercasedName.count where ASCII.lowercased(message[field.start + offset]) != lowercasedName[offset] {
            return false
        }
        return true
    }
}
