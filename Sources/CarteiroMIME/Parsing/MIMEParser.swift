import Glibc

/// The byte scanner behind `ParsedMessage.parse`: finds header sections and multipart
/// boundaries with `memchr` over the message's own buffer, keeping bodies as slices of it
/// (decoding happens when a body is asked for).
struct MIMEParser {
    /// Multiparts and embedded messages nested deeper than this are kept as opaque leaves.
    static let maximumDepth = 50

    private let buffer: UnsafeBufferPointer<UInt8>
    private let storage: [UInt8]

    private init(buffer: UnsafeBufferPointer<UInt8>, storage: [UInt8]) {
        self.buffer = buffer
        self.storage = storage
    }

    static func parse(_ bytes: [UInt8], depth: Int = 0) -> MIMEPart {
        bytes.withUnsafeBufferPointer { buffer in
            let parser = MIMEParser(buffer: buffer, storage: bytes)
            return parser.entity(in: 0..<buffer.count, depth: depth, defaultType: "text/plain", skipEnvelopeLine: true)
        }
    }

    /// Consecutive header blocks separated by blank lines, as in message/delivery-status and
    /// message/feedback-report bodies; lines that are not fields are skipped.
    static func headerBlocks(_ bytes: [UInt8]) -> [[MIMEHeaders.Field]] {
        bytes.withUnsafeBufferPointer { buffer in
            let parser = MIMEParser(buffer: buffer, storage: bytes)
            var blocks: [[MIMEHeaders.Field]] = []
            var position = 0
            let end = buffer.count
            while position < end {
                let (fields, next) = parser.headerFields(in: position..<end)
                if !fields.isEmpty { blocks.append(fields) }
                position = next > position ? next : parser.lineEnd(from: position, to: end) + 1
            }
            return blocks
        }
    }

    // MARK: Lines

    /// The index of the next LF at or after `start`, or `end`.
    @inline(__always)
    private func lineEnd(from start: Int, to end: Int) -> Int {
        guard start < end, let base = buffer.baseAddress else { return end }
        guard let found = memchr(base + start, 10, end - start) else { return end }
        return start + (UnsafeRawPointer(found) - UnsafeRawPointer(base + start))
    }

    // MARK: Headers

    /// The fields at the start of `range` and where the body begins: after the blank line, or at
    /// the first line that is neither a field nor a continuation.
    private func headerFields(in range: Range<Int>, skipEnvelopeLine: Bool = false) -> ([MIMEHeaders.Field], Int) {
        var fields: [MIMEHeaders.Field] = []
        var position = range.lowerBound
        let end = range.upperBound
        var nameRange = 0..<0
        var pieces: [Range<Int>] = []

        func finishField() {
            guard !pieces.isEmpty else { return }
            fields.append(MIMEHeaders.Field(name: asciiString(nameRange), rawValue: value(of: pieces)))
            pieces.removeAll(keepingCapacity: true)
        }

        var first = true
        while position < end {
            let newline = lineEnd(from: position, to: end)
            var contentEnd = newline
            if contentEnd > position, buffer[contentEnd - 1] == 13 { contentEnd -= 1 }
            if contentEnd == position {
                finishField()
                return (fields, min(newline + 1, end))
            }
            let byte = buffer[position]
            if byte == 32 || byte == 9 {
                if !pieces.isEmpty { pieces.append(position..<contentEnd) }
            } else if let colon = fieldColon(position..<contentEnd) {
                finishField()
                var nameEnd = colon
                while nameEnd > position, buffer[nameEnd - 1] == 32 || buffer[nameEnd - 1] == 9 { nameEnd -= 1 }
                nameRange = position..<nameEnd
                pieces.append((colon + 1)..<contentEnd)
            } else if first, skipEnvelopeLine, contentEnd - position >= 5, buffer[position] == UInt8(ascii: "F"),
                buffer[position + 1] == UInt8(ascii: "r"), buffer[position + 2] == UInt8(ascii: "o"),
                buffer[position + 3] == UInt8(ascii: "m"), buffer[position + 4] == 32
            {
                // An mbox "From " envelope line before the headers.
            } else {
                finishField()
                return (fields, position)
            }
            first = false
            position = newline + 1
        }
        finishField()
        return (fields, end)
    }

    /// The colon ending a field name when the line starts with one (printable ASCII, no space
    /// inside the name; spaces before the colon are tolerated).
    @inline(__always)
    private func fieldColon(_ line: Range<Int>) -> Int? {
        var index = line.lowerBound
        var sawSpace = false
        while index < line.upperBound {
            let byte = buffer[index]
            if byte == UInt8(ascii: ":") { return index > line.lowerBound ? index : nil }
            if byte == 32 || byte == 9 {
                sawSpace = true
            } else if byte < 33 || byte > 126 || sawSpace {
                return nil
            }
            index += 1
        }
        return nil
    }

    private func asciiString(_ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: buffer[range]), as: UTF8.self)
    }

    /// Joins a field's lines (unfolding keeps the leading whitespace of continuations), trims, and
    /// reads it as UTF-8 (RFC 6532) or, when that fails, windows-1252.
    private func value(of pieces: [Range<Int>]) -> String {
        if pieces.count == 1 {
            var range = pieces[0]
            while range.lowerBound < range.upperBound, buffer[range.lowerBound] == 32 || buffer[range.lowerBound] == 9 {
                range = (range.lowerBound + 1)..<range.upperBound
            }
            while range.lowerBound < range.upperBound, buffer[range.upperBound - 1] == 32 || buffer[range.upperBound - 1] == 9 {
                range = range.lowerBound..<(range.upperBound - 1)
            }
            return Self.headerString(UnsafeBufferPointer(rebasing: buffer[range]))
        }
        var joined: [UInt8] = []
        for piece in pieces { joined.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[piece])) }
        return joined.withUnsafeBufferPointer { Self.headerString($0) }.trimmingASCIIWhitespace()
    }

    private static func headerString(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        if Charset.isASCII(bytes) { return String(decoding: bytes, as: UTF8.self) }
        return String(validating: bytes, as: UTF8.self) ?? Charset.decode(bytes, charset: "windows-1252")
    }

    // MARK: Entities

    private func entity(in range: Range<Int>, depth: Int, defaultType: String, skipEnvelopeLine: Bool = false) -> MIMEPart {
        let (fields, bodyStart) = headerFields(in: range, skipEnvelopeLine: skipEnvelopeLine)
        let headers = MIMEHeaders(fields: fields)
        var contentType = defaultType
        var parameters: [String: String] = [:]
        if let raw = headers.rawValue(for: "content-type") {
            let parsed = HeaderParameters(parsing: raw)
            parameters = parsed.parameters
            let slash = parsed.value.firstIndex(of: "/")
            if let slash, slash != parsed.value.startIndex, parsed.value.index(after: slash) != parsed.value.endIndex,
                !parsed.value.contains(" ")
            {
                contentType = parsed.value
            } else if parsed.value == "text" {
                contentType = "text/plain"
            }
        }
        var transferEncoding = "7bit"
        if let raw = headers.rawValue(for: "content-transfer-encoding") {
            let value = HeaderParameters(parsing: raw).value.trimmingASCIIWhitespaceAndQuotes()
            if !value.isEmpty { transferEncoding = value }
        }
        var disposition: String?
        var dispositionParameters: [String: String] = [:]
        if let raw = headers.rawValue(for: "content-disposition") {
            let parsed = HeaderParameters(parsing: raw)
            disposition = parsed.value
            dispositionParameters = parsed.parameters
        }
        let bodyRange = min(bodyStart, range.upperBound)..<range.upperBound
        var children: [MIMEPart] = []
        var embedded: ParsedMessage?
        if contentType.hasPrefix("multipart/"), depth < Self.maximumDepth, let boundary = parameters["boundary"], !boundary.isEmpty,
            let ranges = partRanges(in: bodyRange, boundary: Array(boundary.utf8))
        {
            let childType = contentType == "multipart/digest" ? "message/rfc822" : "text/plain"
            children = ranges.map { entity(in: $0, depth: depth + 1, defaultType: childType) }
        } else if contentType == "message/rfc822" || contentType == "message/global", depth < Self.maximumDepth {
            if transferEncoding == "base64" || transferEncoding == "quoted-printable" {
                let slice = storage[bodyRange]
                let decoded = transferEncoding == "base64" ? Base64.decode(slice) : QuotedPrintable.decode(slice)
                embedded = ParsedMessage(root: Self.parse(decoded, depth: depth + 1))
            } else {
                embedded = ParsedMessage(root: entity(in: bodyRange, depth: depth + 1, defaultType: "text/plain"))
            }
        }
        return MIMEPart(
            headers: headers, contentType: contentType, parameters: parameters, disposition: disposition,
            dispositionParameters: dispositionParameters, transferEncoding: transferEncoding, children: children,
            encodedBody: storage[bodyRange], embedded: embedded)
    }

    /// The ranges between `--boundary` delimiter lines (each without the line break before the
    /// next delimiter), up to `--boundary--` or the end; nil when no delimiter appears.
    private func partRanges(in range: Range<Int>, boundary: [UInt8]) -> [Range<Int>]? {
        let end = range.upperBound
        let length = boundary.count
        var parts: [Range<Int>] = []
        var partStart: Int?
        var lineStart = range.lowerBound
        return boundary.withUnsafeBufferPointer { needle -> [Range<Int>]? in
            while lineStart < end {
                let newline = lineEnd(from: lineStart, to: end)
                if buffer[lineStart] == UInt8(ascii: "-"), newline - lineStart >= length + 2, buffer[lineStart + 1] == UInt8(ascii: "-"),
                    memcmp(buffer.baseAddress! + lineStart + 2, needle.baseAddress!, length) == 0
                {
                    let after = lineStart + 2 + length
                    let isClose = after + 1 < newline && buffer[after] == UInt8(ascii: "-") && buffer[after + 1] == UInt8(ascii: "-")
                    // Only transport padding may follow a delimiter; anything else is a longer boundary.
                    var rest = isClose ? after + 2 : after
                    while rest < newline, buffer[rest] == 32 || buffer[rest] == 9 || buffer[rest] == 13 { rest += 1 }
                    if isClose || rest == newline {
                        if let start = partStart {
                            var stop = lineStart
                            if stop > start, buffer[stop - 1] == 10 { stop -= 1 }
                            if stop > start, buffer[stop - 1] == 13 { stop -= 1 }
                            parts.append(start..<max(start, stop))
                        }
                        if isClose { return parts.isEmpty && partStart == nil ? nil : parts }
                        partStart = min(newline + 1, end)
                    }
                }
                lineStart = newline + 1
            }
            if let start = partStart { parts.append(start..<max(start, end)) }
            return partStart == nil ? nil : parts
        }
    }
}
