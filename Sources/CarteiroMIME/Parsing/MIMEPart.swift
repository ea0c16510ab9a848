/// One entity of a parsed message: a leaf with a body, a multipart with children, or a
/// `message/rfc822` wrapping an embedded message.
public struct MIMEPart: Sendable {
    public let headers: MIMEHeaders
    /// `type/subtype`, lowercased (`text/plain` when absent or unreadable; `message/rfc822` inside multipart/digest).
    public let contentType: String
    /// Content-Type parameters by lowercased name (`charset`, `boundary`, `name`, `report-type`…).
    public let parameters: [String: String]
    /// Content-Disposition's value, lowercased (`attachment`, `inline`), if present.
    public let disposition: String?
    /// Content-Disposition parameters by lowercased name (`filename`…).
    public let dispositionParameters: [String: String]
    /// Content-Transfer-Encoding, lowercased; `7bit` when absent.
    public let transferEncoding: String
    /// The parts of a multipart, in order; empty for leaves and for multiparts whose boundary never appears.
    public let children: [MIMEPart]
    /// The body as it appears in the message (still transfer-encoded); shares the parsed buffer.
    let encodedBody: ArraySlice<UInt8>
    // At most one element: an array gives the recursive value type its indirection.
    private let embedded: [ParsedMessage]

    init(
        headers: MIMEHeaders, contentType: String, parameters: [String: String], disposition: String?, dispositionParameters: [String: String],
        transferEncoding: String, children: [MIMEPart], encodedBody: ArraySlice<UInt8>, embedded: ParsedMessage?
    ) {
        self.headers = headers
        self.contentType = contentType
        self.parameters = parameters
        self.disposition = disposition
        self.dispositionParameters = dispositionParameters
        self.transferEncoding = transferEncoding
        self.children = children
        self.encodedBody = encodedBody
        self.embedded = embedded.map { [$0] } ?? []
    }

    /// `text` in `text/plain`.
    public var mediaType: Substring { contentType.split(separator: "/", maxSplits: 1).first ?? "" }
    /// `plain` in `text/plain`.
    public var subtype: Substring { contentType.split(separator: "/", maxSplits: 1).dropFirst().first ?? "" }
    public var isMultipart: Bool { contentType.hasPrefix("multipart/") }
    public var charset: String? { parameters["charset"] }

    /// The attachment's file name: Content-Disposition `filename`, else Content-Type `name`,
    /// RFC 2231 and RFC 2047 forms decoded.
    public var filename: String? {
        guard let name = dispositionParameters["filename"] ?? parameters["name"] else { return nil }
        return EncodedWord.decode(name)
    }

    public var isAttachment: Bool { disposition == "attachment" }

    /// The body with its transfer encoding (base64, quoted-printable) undone. Decoded on each access.
    public var body: [UInt8] {
        switch transferEncoding {
        case "base64": Base64.decode(encodedBody)
        case "quoted-printable": QuotedPrintable.decode(encodedBody)
        default: Array(encodedBody)
        }
    }

    /// The body as text in its declared charset (UTF-8 when undeclared and valid, else
    /// windows-1252), with CRLF line breaks turned into LF. Nil for a multipart with children.
    public var text: String? {
        guard children.isEmpty else { return nil }
        let decoded = Charset.decode(body, charset: charset)
        guard decoded.utf8.contains(13) else { return decoded }
        return decoded.replacingCRLF()
    }

    /// For `message/rfc822` (and `message/global`): the message it carries.
    public var message: ParsedMessage? { embedded.first }

    /// This part and every part below it, depth first, not descending into embedded messages.
    public var allParts: [MIMEPart] {
        var result: [MIMEPart] = []
        collect(into: &result)
        return result
    }

    private func collect(into result: inout [MIMEPart]) {
        result.append(self)
        for child in children { child.collect(into: &result) }
    }

    /// The first part (depth first, this one included, embedded messages excluded) satisfying `predicate`.
    public func first(where predicate: (MIMEPart) -> Bool) -> MIMEPart? {
        if predicate(self) { return self }
        for child in children {
            if let found = child.first(where: predicate) { return found }
        }
        return nil
    }
}

extension String {
    func replacingCRLF() -> String {
        var output: [UInt8] = []
        output.reserveCapacity(utf8.count)
        var previousWasCR = false
        for byte in utf8 {
            if previousWasCR, byte != 10 { output.append(13) }
            previousWasCR = byte == 13
            if !previousWasCR { output.append(byte) }
        }
        if previousWasCR { output.append(13) }
        return String(decoding: output, as: UTF8.self)
    }
}
