public import Foundation

/// Open and click tracking of a campaign's mail: an open pixel `<base>/t/o/TOKEN` and every
/// link rewritten to `<base>/t/c/TOKEN`. A token names the job, the time the message was
/// composed and, for a click, the link's index and its URL, all under the server's signature:
/// a click can only lead to a URL that was in that message, and tokens cannot be made up or
/// enumerated.
public struct TrackingLinks: Sendable {
    /// `https://mail.example.com`, without a trailing slash.
    public let baseURL: String
    public var opens: Bool
    public var clicks: Bool
    private let signer: LinkSigner

    public init(baseURL: String, signer: LinkSigner, opens: Bool = true, clicks: Bool = true) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.signer = signer
        self.opens = opens
        self.clicks = clicks
    }

    /// What a genuine token says.
    public struct Hit: Sendable, Hashable {
        public enum Kind: String, Sendable, Hashable { case open, click }
        public var kind: Kind
        public var jobID: String
        /// When the message was composed (whole seconds): a hit moments later is a machine's.
        public var composedAt: Date
        /// For a click: the link's place among the message's links (from 0) and its URL.
        public var linkIndex: Int?
        public var url: String?

        public init(kind: Kind, jobID: String, composedAt: Date, linkIndex: Int? = nil, url: String? = nil) {
            self.kind = kind
            self.jobID = jobID
            self.composedAt = composedAt
            self.linkIndex = linkIndex
            self.url = url
        }
    }

    public func openURL(jobID: String, composedAt: Date) -> String {
        baseURL + "/t/o/" + signer.sign("\(jobID).\(Self.seconds(composedAt))")
    }

    public func clickURL(jobID: String, composedAt: Date, index: Int, url: String) -> String {
        baseURL + "/t/c/" + signer.sign("\(jobID).\(Self.seconds(composedAt)).\(index).\(Base64URL.encode(Array(url.utf8)))")
    }

    /// The hit an open token (`kind` open) or a click token stands for; nil when it is not genuine.
    public func hit(_ kind: Hit.Kind, token: some StringProtocol) -> Hit? {
        guard let payload = signer.payload(of: token) else { return nil }
        let fields = payload.split(separator: ".", omittingEmptySubsequences: false)
        guard fields.count == (kind == .open ? 2 : 4), let seconds = Int(fields[1], radix: 36) else { return nil }
        var hit = Hit(kind: kind, jobID: String(fields[0]), composedAt: Date(timeIntervalSince1970: TimeInterval(seconds)))
        if kind == .click {
            guard let index = Int(fields[2]), let bytes = Base64URL.decode(fields[3]), let url = String(validating: bytes, as: UTF8.self) else {
                return nil
            }
            hit.linkIndex = index
            hit.url = url
        }
        return hit
    }

    private static func seconds(_ date: Date) -> String { String(Int(date.timeIntervalSince1970), radix: 36) }

    /// `html` with its `http(s)` links rewritten (when `clicks`) and the open pixel before
    /// `</body>` (when `opens`). Links in `keeping` (the unsubscribe link) stay as they are.
    public func track(_ html: String, jobID: String, composedAt: Date, keeping: Set<String> = []) -> String {
        var output = clicks ? rewriteLinks(html, jobID: jobID, composedAt: composedAt, keeping: keeping) : html
        guard opens else { return output }
        let pixel =
            "<img src=\"\(openURL(jobID: jobID, composedAt: composedAt))\" width=\"1\" height=\"1\" alt=\"\" style=\"display:block;border:0;width:1px;height:1px\">"
        if let body = output.range(of: "</body>", options: [.caseInsensitive, .backwards]) {
            output.insert(contentsOf: pixel, at: body.lowerBound)
        } else {
            output += pixel
        }
        return output
    }

    /// Every `href` of an `<a>` tag that is an `http` or `https` URL, in order, replaced by its
    /// click link. Entities in the attribute (`&amp;`) are decoded in the URL kept in the token,
    /// the URL the reader's browser would have opened.
    private func rewriteLinks(_ html: String, jobID: String, composedAt: Date, keeping: Set<String>) -> String {
        var output = ""
        output.reserveCapacity(html.utf8.count + 256)
        var index = 0
        var rest = html[...]
        while let anchor = Self.nextAnchorHref(in: rest) {
            output += rest[..<anchor.value.lowerBound]
            let written = String(rest[anchor.value])
            let url = Self.decodingEntities(written.trimmingCharacters(in: .whitespaces))
            let lowered = url.lowercased()
            if (lowered.hasPrefix("http://") || lowered.hasPrefix("https://")) && !keeping.contains(url) {
                output += Self.escapingAttribute(clickURL(jobID: jobID, composedAt: composedAt, index: index, url: url))
                index += 1
            } else {
                output += written
            }
            rest = rest[anchor.value.upperBound...]
        }
        output += rest
        return output
    }

    /// The range of the next `<a …>` tag's `href` value (inside its quotes, or unquoted).
    static func nextAnchorHref(in text: Substring) -> (tagEnd: String.Index, value: Range<String.Index>)? {
        var search = text.startIndex
        while let open = text[search...].range(of: "<a", options: .caseInsensitive) {
            guard open.upperBound < text.endIndex else { return nil }
            let next = text[open.upperBound]
            guard next == " " || next == "\t" || next == "\n" || next == "\r" else {
                search = open.upperBound
                continue
            }
            guard let close = text[open.upperBound...].firstIndex(of: ">") else { return nil }
            let tag = text[open.upperBound..<close]
            var cursor = tag.startIndex
            while let href = tag[cursor...].range(of: "href", options: .caseInsensitive) {
                cursor = href.upperBound
                // An attribute name on its own: preceded by whitespace, followed by `=`.
                guard href.lowerBound > tag.startIndex, tag[tag.index(before: href.lowerBound)].isWhitespace else { continue }
                var position = href.upperBound
                while position < tag.endIndex, tag[position].isWhitespace { position = tag.index(after: position) }
                guard position < tag.endIndex, tag[position] == "=" else { continue }
                position = tag.index(after: position)
                while position < tag.endIndex, tag[position].isWhitespace { position = tag.index(after: position) }
                guard position < tag.endIndex else { break }
                let quote = tag[position]
                if quote == "\"" || quote == "'" {
                    let start = tag.index(after: position)
                    guard let end = tag[start...].firstIndex(of: quote) else { break }
                    return (close, start..<end)
                }
                let end = tag[position...].firstIndex { $0.isWhitespace } ?? tag.endIndex
                return (close, position..<end)
            }
            search = close
        }
        return nil
    }

    static func decodingEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        return text.replacingOccurrences(of: "&amp;", with: "&").replacingOccurrences(of: "&#38;", with: "&")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
    }

    static func escapingAttribute(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
