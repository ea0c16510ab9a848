/// The "relaxed" canonicalization algorithms of RFC 6376 §3.4.2 (header) and §3.4.4 (body).
package enum RelaxedCanonicalization {
    /// Appends the relaxed form of one header field, `name:value` and CRLF: the name lowercased,
    /// continuation line breaks removed, whitespace runs made one space, whitespace at either end
    /// of the value and before the colon dropped.
    package static func appendHeader(_ field: UnsafeBufferPointer<UInt8>, colon: Int, to output: inout [UInt8]) {
        var nameEnd = colon
        while nameEnd > 0, ASCII.isWhitespace(field[nameEnd - 1]) { nameEnd -= 1 }
        for index in 0..<nameEnd { output.append(ASCII.lowercased(field[index])) }
        output.append(ASCII.colon)
        var pendingSpace = false
        var wroteValue = false
        var index = colon + 1
        let count = field.count
        while index < count {
            let byte = field[index]
            index += 1
            if byte == ASCII.lf { continue }
            if byte == ASCII.cr, index < count, field[index] == ASCII.lf { continue }
            if ASCII.isWhitespace(byte) {
                pendingSpace = true
                continue
            }
            if pendingSpace && wroteValue { output.append(ASCII.space) }
            pendingSpace = false
            wroteValue = true
            output.append(byte)
        }
        output.append(ASCII.cr)
        output.append(ASCII.lf)
    }

    /// The relaxed form of a body: whitespace at line ends dropped, other whitespace runs made one
    /// space, empty lines at the end dropped, and a CRLF after the last line (none for an empty body).
    package static func body(_ body: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(body.count + 2)
        var pendingEmptyLines = 0
        var index = 0
        let count = body.count
        while index < count {
            var pendingSpace = false
            var lineHasContent = false
            while index < count {
                let byte = body[index]
                if byte == ASCII.lf { break }
                if byte == ASCII.cr, index + 1 < count, body[index + 1] == ASCII.lf {
                    index += 1
                    break
                }
                index += 1
                if ASCII.isWhitespace(byte) {
                    pendingSpace = true
                    continue
                }
                if !lineHasContent {
                    lineHasContent = true
                    for _ in 0..<pendingEmptyLines {
                        output.append(ASCII.cr)
                        output.append(ASCII.lf)
                    }
                    pendingEmptyLines = 0
                }
                if pendingSpace { output.append(ASCII.space) }
                pendingSpace = false
                output.append(byte)
            }
            index += 1  // past the LF (or past the end)
            if lineHasContent {
                output.append(ASCII.cr)
                output.append(ASCII.lf)
            } else {
                pendingEmptyLines += 1
            }
        }
        return output
    }
}

extension RelaxedCanonicalization {
    /// The relaxed form of one raw header field (`Name: value`, folded or not, with or without its CRLF).
    package static func header(_ field: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        field.withUnsafeBufferPointer { buffer in
            let colon = buffer.firstIndex(of: ASCII.colon) ?? buffer.count
            appendHeader(buffer, colon: colon, to: &output)
        }
        return output
    }

    package static func body(_ body: [UInt8]) -> [UInt8] {
        body.withUnsafeBufferPointer { self.body($0) }
    }
}
