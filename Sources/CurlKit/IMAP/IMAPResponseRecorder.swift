/// Follows one transfer's IMAP conversation through curl's debug callback: each command curl sends
/// (CURLINFO_HEADER_OUT) opens an exchange, each server line (CURLINFO_HEADER_IN) is added to the
/// exchange in flight, and the tagged reply closes it.
///
/// Why the debug stream rather than the write callback: for a custom request curl 7.88 writes
/// only the untagged lines it recognises and silently drops every line of a literal that does not
/// itself start with `* ` (imap.c, imap_endofresp), so a response with a literal cannot be read
/// back from the write callback. The debug callback sees every line pingpong.c reads.
///
/// A literal (`{n}` at the end of a line) swallows the next n bytes whatever they hold. In a
/// `;UID=` fetch curl reads the literal itself as the transfer's body, so it never shows up here:
/// `literalsGoToBody` says to expect the line to go on right after the marker.
struct IMAPResponseRecorder {
    private(set) var exchanges: [IMAPExchange] = []
    /// Untagged lines that came before any command of this transfer (a fresh connection's greeting).
    private(set) var unsolicited: [IMAPResponse] = []
    /// The last capability list seen in this transfer, forgotten when curl logs in (the lists
    /// before login are not the ones that count).
    private(set) var capabilities: Set<String>?
    /// Whether this transfer logged in, i.e. ran on a new connection.
    private(set) var loggedIn = false
    /// The server said BYE: the connection is going away.
    private(set) var sawBye = false
    /// curl clipped a line too long for its buffer (pingpong.c keeps 40 bytes of it).
    private(set) var lineClipped = false
    var literalsGoToBody = false

    private var current: IMAPResponse?
    private var literalRemaining = 0

    mutating func reset(literalsGoToBody: Bool) {
        exchanges.removeAll(keepingCapacity: true)
        unsolicited.removeAll()
        capabilities = nil
        loggedIn = false
        sawBye = false
        lineClipped = false
        self.literalsGoToBody = literalsGoToBody
        current = nil
        literalRemaining = 0
    }

    /// The exchange of the transfer's own command: the last one sent, but for the LOGOUT curl
    /// adds when it closes the connection at the end of the transfer.
    var last: IMAPExchange? { exchanges.last { $0.verb != "LOGOUT" } }

    /// The first exchange the server answered with NO or BAD.
    var firstRefusal: IMAPExchange? {
        exchanges.first { $0.status == .no || $0.status == .bad }
    }

    /// A line curl sent (CRLF included). Only `TAG VERB …` lines open an exchange: the empty line
    /// after an APPEND literal and SASL continuation lines (base64, no space) are not commands.
    mutating func sent(_ line: UnsafeRawBufferPointer) {
        var end = line.count
        while end > 0, line[end - 1] == 0x0A || line[end - 1] == 0x0D { end -= 1 }
        guard let space = line[0..<end].firstIndex(of: 0x20), space > 0 else { return }
        let tagBytes = line[0..<space]
        guard tagBytes.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) }) else { return }
        let rest = line[(space + 1)..<end]
        let verbEnd = rest.firstIndex(of: 0x20) ?? rest.endIndex
        let verb = String(decoding: rest[rest.startIndex..<verbEnd], as: UTF8.self).uppercased()
        let isLogin = verb == "AUTHENTICATE" || verb == "LOGIN"
        if isLogin { capabilities = nil }
        exchanges.append(
            IMAPExchange(
                tag: String(decoding: tagBytes, as: UTF8.self),
                command: isLogin ? verb : String(decoding: rest, as: UTF8.self),
                verb: verb))
    }

    /// A line curl read from the server (CRLF included), or a piece of a literal.
    mutating func received(_ line: UnsafeRawBufferPointer) {
        var bytes = line[...]
        if literalRemaining > 0 {
            let taken = min(literalRemaining, bytes.count)
            if current == nil { current = IMAPResponse() }
            current!.literals[current!.literals.count - 1].append(contentsOf: bytes.prefix(taken))
            literalRemaining -= taken
            bytes = bytes.dropFirst(taken)
            // The response goes on after the literal, on this line or the next.
            if bytes.isEmpty { return }
        }
        var end = bytes.endIndex
        while end > bytes.startIndex, bytes[end - 1] == 0x0A || bytes[end - 1] == 0x0D { end -= 1 }
        let text = bytes[bytes.startIndex..<end]
        if current == nil { current = IMAPResponse() }
        current!.text.append(contentsOf: text)
        if let size = IMAPResponse.literalSize(atEndOf: text) {
            current!.literals.append([])
            if !literalsGoToBody { literalRemaining = size }
            // The response goes on after the literal's bytes (even after `{0}`).
            return
        }
        let response = current!
        current = nil
        complete(response)
    }

    /// curl's informational text (CURLINFO_TEXT), watched for the one message that means data was lost.
    mutating func noted(_ text: UnsafeRawBufferPointer) {
        let prefix = Array("Excessive server response line".utf8)
        if text.count >= prefix.count, zip(text, prefix).allSatisfy({ $0 == $1 }) { lineClipped = true }
    }

    private mutating func complete(_ response: IMAPResponse) {
        if response.isContinuation { return }
        if response.isUntagged {
            let tokens = response.tokens()
            if tokens.count >= 2, let word = tokens[1].atom?.uppercased() {
                if word == "CAPABILITY" { capabilities = Self.capabilities(tokens.dropFirst(2)) }
                if word == "BYE" { sawBye = true }
            }
            noteCapabilities(in: response)
            if exchanges.isEmpty || exchanges[exchanges.count - 1].status != nil {
                unsolicited.append(response)
            } else {
                exchanges[exchanges.count - 1].untagged.append(response)
            }
            return
        }
        // A tagged reply: `TAG OK …`.
        guard let space = response.text.firstIndex(of: 0x20) else { return }
        let tag = String(decoding: response.text[..<space], as: UTF8.self)
        guard let index = exchanges.lastIndex(where: { $0.tag == tag && $0.status == nil }) else { return }
        var reply = response
        reply.text.removeFirst(space + 1)
        let word = reply.tokens().first?.atom?.uppercased()
        let status: IMAPExchange.Status =
            switch word {
            case "OK": .ok
            case "NO": .no
            case "BAD": .bad
            default: .other
            }
        exchanges[index].status = status
        exchanges[index].reply = reply
        if status == .ok { noteCapabilities(in: reply) }
        if status == .ok, exchanges[index].isLogin { loggedIn = true }
    }

    /// A `[CAPABILITY …]` response code (in a greeting or a login reply) lists capabilities too.
    private mutating func noteCapabilities(in response: IMAPResponse) {
        guard let code = response.responseCode, code.name == "CAPABILITY" else { return }
        capabilities = Self.capabilities(code.argument.split(separator: " ").map { .atom(String($0)) })
    }

    private static func capabilities(_ tokens: some Collection<IMAPToken>) -> Set<String> {
        Set(tokens.compactMap { $0.atom?.uppercased() })
    }
}
