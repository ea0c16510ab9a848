import CCurl
import CCurlShim

/// One IMAP connection and the curl easy handle that drives it, owned by the client's worker
/// thread: every command is one `curl_easy_perform` on the same handle, whose connection cache
/// keeps the logged-in connection open from one command to the next.
///
/// curl 7.88 remembers which mailbox it selected on the connection and sends SELECT itself
/// before a request whose URL names another one; a custom SELECT or EXAMINE does not change what
/// curl remembers. So this type keeps one rule: a custom SELECT/EXAMINE is only sent on a URL
/// naming the same mailbox, so curl's idea of the selected mailbox and the server's never differ
/// by name, only by read-only or read-write. It follows the server's real state (`selection`)
/// by reading every command and reply in curl's debug stream.
final class IMAPConnection {
    private let settings: IMAPSettings
    private let easy: CurlEasyHandle
    private let errorBuffer: UnsafeMutablePointer<CChar>
    // Touched from curl's callbacks, which run on this thread inside curl_easy_perform.
    fileprivate var recorder = IMAPResponseRecorder()
    /// What curl wrote: the message of a `;UID=` fetch (and, ignored, untagged lines of custom requests).
    fileprivate var body: [UInt8] = []
    fileprivate var upload = CurlUpload()

    /// The mailbox the server has selected on the open connection, as seen in the conversation.
    private var selection: Selection?
    /// The server's capabilities after login, once seen on this connection.
    private var capabilities: Set<String>?
    /// Move targets seen to exist, so that a move does not ask again.
    private var knownMailboxes: Set<String> = []

    private struct Selection {
        var mailbox: String
        var readOnly: Bool
    }

    init(settings: IMAPSettings) throws(CurlError) {
        self.settings = settings
        easy = try CurlEasyHandle()
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        // Every property is set, so a throw from here on runs deinit, which frees the buffer.
        try configure()
    }

    deinit {
        // The handle (freed after this body, sending LOGOUT) points back at self and at the error
        // buffer: cut those ties first so curl cannot call back into a half-destroyed connection.
        try? easy.set(CURLOPT_VERBOSE, false)
        try? easy.setDebugFunction(nil)
        try? easy.set(CURLOPT_ERRORBUFFER, pointer: nil)
        errorBuffer.deallocate()
    }

    // MARK: Operations

    func select(_ mailbox: String) throws(IMAPError) -> IMAPMailboxStatus {
        let exchange = try command("SELECT \(IMAPSettings.quoted(mailbox))", in: mailbox)
        var exists: Int?
        var uidValidity: UInt32?
        var uidNext: UInt32?
        for line in exchange.untagged {
            let tokens = line.tokens()
            if tokens.count >= 3, tokens[2].atom?.uppercased() == "EXISTS", let count = tokens[1].atom.flatMap({ Int($0) }) {
                exists = count
            }
            guard let code = line.responseCode else { continue }
            if code.name == "UIDVALIDITY" { uidValidity = UInt32(code.argument) }
            if code.name == "UIDNEXT" { uidNext = UInt32(code.argument) }
        }
        guard let uidValidity, let exists else {
            throw IMAPError(.protocolError, "SELECT gave no UIDVALIDITY or EXISTS: \(exchange.replyText)", mailbox: mailbox)
        }
        return IMAPMailboxStatus(uidValidity: uidValidity, uidNext: uidNext, exists: exists)
    }

    func uids(in mailbox: String, above uid: UInt32) throws(IMAPError) -> [UInt32] {
        guard uid < UInt32.max else { return [] }
        try ensureSelected(mailbox, readOnly: nil)
        let exchange = try command("UID SEARCH UID \(uid + 1):*", in: mailbox)
        var found: [UInt32] = []
        for line in exchange.untagged {
            let tokens = line.tokens()
            guard tokens.count >= 2, tokens[1].atom?.uppercased() == "SEARCH" else { continue }
            for token in tokens.dropFirst(2) {
                // A trailing `(MODSEQ n)` (CONDSTORE) ends the list.
                guard let number = token.atom.flatMap({ UInt32($0) }) else { break }
                found.append(number)
            }
        }
        // `n:*` always matches the highest UID, even when it is below n (RFC 3501 6.4.8).
        return found.filter { $0 > uid }.sorted()
    }

    func fetch(uid: UInt32, in mailbox: String, uidValidity: UInt32?) throws(IMAPError) -> [UInt8] {
        // curl 7.88 fetches with `UID FETCH n BODY[]`, which sets \Seen in a read-write mailbox. On
        // an EXAMINEd (read-only) mailbox it cannot; curl skips its own SELECT because the mailbox
        // has the name it selected last.
        try ensureSelected(mailbox, readOnly: true, uidValidity: uidValidity)
        let code = try perform(url: settings.url(mailbox: mailbox, uidValidity: uidValidity, uid: uid), literalsGoToBody: true)
        defer { body = [] }
        if code == CURLE_REMOTE_FILE_NOT_FOUND, recorder.firstRefusal == nil, !curlSaysUIDValidityChanged {
            throw IMAPError(.noSuchMessage, "the server returned no message", mailbox: mailbox, uid: uid)
        }
        guard code == CURLE_OK else { throw failure(for: code, mailbox: mailbox, uid: uid) }
        guard recorder.exchanges.contains(where: { $0.verb == "UID" && fetchResponse(in: $0, uid: uid) != nil }) else {
            throw IMAPError(.noSuchMessage, "the server returned no message", mailbox: mailbox, uid: uid)
        }
        let message = body
        // A connection that was lost and opened again inside this transfer got a fresh read-write
        // SELECT from curl, so the FETCH may have set \Seen after all; the server then says so in
        // the FETCH response (RFC 3501 6.4.5), and it is taken back.
        let curlSelected = recorder.exchanges.contains { $0.verb == "SELECT" && $0.status == .ok }
        if curlSelected,
            let fetchExchange = recorder.exchanges.last(where: { $0.verb == "UID" }),
            let flags = fetchResponse(in: fetchExchange, uid: uid).flatMap(Self.flags(in:)),
            flags.contains(where: { $0.lowercased() == "\\seen" })
        {
            try setSeen(false, uid: uid, in: mailbox, uidValidity: uidValidity)
        }
        return message
    }

    func setSeen(_ seen: Bool, uid: UInt32, in mailbox: String, uidValidity: UInt32?) throws(IMAPError) {
        try ensureSelected(mailbox, readOnly: false, uidValidity: uidValidity)
        try command("UID STORE \(uid) \(seen ? "+" : "-")FLAGS.SILENT (\\Seen)", in: mailbox, uidValidity: uidValidity)
    }

    /// The message's flags, or nil when the mailbox has no message with that UID.
    func flags(uid: UInt32, in mailbox: String, uidValidity: UInt32?) throws(IMAPError) -> [String]? {
        try ensureSelected(mailbox, readOnly: nil, uidValidity: uidValidity)
        let exchange = try command("UID FETCH \(uid) (FLAGS)", in: mailbox, uidValidity: uidValidity)
        return fetchResponse(in: exchange, uid: uid).flatMap(Self.flags(in:))
    }

    /// Moves with UID MOVE when the server offers MOVE, else copies and flags the original
    /// \Deleted; never expunges. Creates the target when the server says it is missing (TRYCREATE).
    func move(uid: UInt32, from mailbox: String, to target: String, uidValidity: UInt32?) throws(IMAPError) {
        let quotedTarget = try IMAPSettings.quoted(target)
        try ensureSelected(mailbox, readOnly: false, uidValidity: uidValidity)
        if capabilities == nil {
            try command("CAPABILITY", in: nil)
        }
        let canMove = capabilities?.contains("MOVE") ?? false
        let verb = canMove ? "UID MOVE" : "UID COPY"
        let moveCommand = "\(verb) \(uid) \(quotedTarget)"
        try ensureExists(target)
        let exchange: IMAPExchange
        do {
            exchange = try command(moveCommand, in: mailbox, uidValidity: uidValidity)
        } catch let error where error.code == .noSuchMailbox && error.mailbox == target {
            // Deleted since it was seen: create it again (the server said TRYCREATE).
            knownMailboxes.remove(target)
            try ensureExists(target)
            try ensureSelected(mailbox, readOnly: false, uidValidity: uidValidity)
            exchange = try command(moveCommand, in: mailbox, uidValidity: uidValidity)
        }
        // With UIDPLUS the server names the copies it made (COPYUID); none means no such message.
        if capabilities?.contains("UIDPLUS") ?? false {
            let copied = ([exchange.reply].compactMap { $0 } + exchange.untagged).contains { $0.responseCode?.name == "COPYUID" }
            guard copied else { throw IMAPError(.noSuchMessage, exchange.replyText, mailbox: mailbox, uid: uid) }
        }
        if !canMove {
            try command("UID STORE \(uid) +FLAGS.SILENT (\\Deleted)", in: mailbox, uidValidity: uidValidity)
        }
    }

    /// Creates the mailbox unless LIST shows it. LIST answers OK whether the mailbox exists or
    /// not; CREATE of an existing mailbox, like a MOVE to a missing one, is answered NO, and curl
    /// 7.88 closes the connection after every NO, so asking first keeps the connection.
    private func ensureExists(_ mailbox: String) throws(IMAPError) {
        if knownMailboxes.contains(mailbox) { return }
        let exchange = try command("LIST \"\" \(IMAPSettings.quoted(mailbox))", in: nil)
        let listed = exchange.untagged.contains { line in
            let tokens = line.tokens()
            guard tokens.count >= 3, tokens[1].atom?.uppercased() == "LIST", let name = Self.text(of: tokens[tokens.count - 1]) else {
                return false
            }
            return name == mailbox || (name.uppercased() == "INBOX" && mailbox.uppercased() == "INBOX")
        }
        if !listed { try createMailbox(mailbox) }
        knownMailboxes.insert(mailbox)
    }

    /// Creates the mailbox; one that exists already is fine.
    func createMailbox(_ mailbox: String) throws(IMAPError) {
        do {
            try command("CREATE \(IMAPSettings.quoted(mailbox))", in: nil)
        } catch let error where error.code == .protocolError && error.text.contains("[ALREADYEXISTS]") {
            return
        }
    }

    /// Appends the message as it is; returns its UID when the server says (UIDPLUS' APPENDUID).
    /// curl 7.88 always appends with the \Seen flag; unless `seen`, it is taken off again.
    func append(_ message: [UInt8], to mailbox: String, seen: Bool) throws(IMAPError) -> UInt32? {
        upload.start(message)
        defer { upload.clear() }
        let code = try perform(url: settings.url(mailbox: mailbox), upload: Int64(message.count))
        guard code == CURLE_OK else { throw failure(for: code, mailbox: mailbox, uid: nil) }
        var uid: UInt32?
        var uidValidity: UInt32?
        if let code = recorder.exchanges.last(where: { $0.verb == "APPEND" })?.reply?.responseCode, code.name == "APPENDUID" {
            let numbers = code.argument.split(separator: " ").compactMap { UInt32($0) }
            if numbers.count == 2 { (uidValidity, uid) = (numbers[0], numbers[1]) }
        }
        if !seen {
            guard let uid else {
                throw IMAPError(
                    .protocolError, "the server did not say which UID the appended message got (no UIDPLUS), so \\Seen stays", mailbox: mailbox)
            }
            try setSeen(false, uid: uid, in: mailbox, uidValidity: uidValidity)
        }
        return uid
    }

    // MARK: Commands

    /// Makes sure the server has `mailbox` selected; `readOnly` nil takes either mode. With
    /// `uidValidity` it always selects again and checks the value: a server does not tell a session
    /// that keeps the mailbox selected when its UIDVALIDITY changes (Dovecot does not).
    private func ensureSelected(_ mailbox: String, readOnly: Bool?, uidValidity: UInt32? = nil) throws(IMAPError) {
        if uidValidity == nil, let selection, selection.mailbox == mailbox, readOnly == nil || selection.readOnly == readOnly { return }
        let verb = readOnly == true ? "EXAMINE" : "SELECT"
        let exchange = try command("\(verb) \(IMAPSettings.quoted(mailbox))", in: mailbox)
        if let uidValidity {
            let current = exchange.untagged.lazy.compactMap(\.responseCode).first { $0.name == "UIDVALIDITY" }.flatMap { UInt32($0.argument) }
            guard current == uidValidity else {
                throw IMAPError(
                    .uidValidityChanged, "the mailbox's UIDVALIDITY is \(current.map { String($0) } ?? "not given"), not \(uidValidity)",
                    mailbox: mailbox)
            }
        }
        // When the connection closed right after (curl or the server hung up), the next command
        // opens a new one, on which curl SELECTs read-write by itself; `fetch` copes with that.
        if readOnly == false, exchange.reply?.responseCode?.name == "READ-ONLY" {
            throw IMAPError(.protocolError, "the server opens the mailbox read-only: \(exchange.replyText)", mailbox: mailbox)
        }
    }

    /// Sends one command (curl first selects `mailbox` when it believes another is selected) and
    /// returns its exchange; a NO or BAD reply, or a failed transfer, is thrown as an error.
    @discardableResult
    private func command(_ command: String, in mailbox: String?, uidValidity: UInt32? = nil) throws(IMAPError) -> IMAPExchange {
        let code = try perform(url: settings.url(mailbox: mailbox, uidValidity: uidValidity), customRequest: command)
        guard code == CURLE_OK else { throw failure(for: code, mailbox: mailbox, uid: nil) }
        guard let exchange = recorder.last, exchange.status == .ok else {
            throw IMAPError(.protocolError, "no reply to \(command): \(recorder.last?.replyText ?? "")", mailbox: mailbox)
        }
        if recorder.lineClipped {
            throw IMAPError(.protocolError, "a reply line to \(command) was too long for curl's buffer and was cut", mailbox: mailbox)
        }
        return exchange
    }

    /// One transfer; returns curl's code after following what it did to the connection's state.
    private func perform(url: String, customRequest: String? = nil, upload size: Int64? = nil, literalsGoToBody: Bool = false)
        throws(IMAPError) -> CURLcode
    {
        recorder.reset(literalsGoToBody: literalsGoToBody)
        body.removeAll(keepingCapacity: true)
        errorBuffer[0] = 0
        do {
            try easy.set(CURLOPT_URL, url)
            try easy.set(CURLOPT_CUSTOMREQUEST, customRequest)
            try easy.set(CURLOPT_UPLOAD, size != nil)
            if let size { try easy.set(CURLOPT_INFILESIZE_LARGE, size: size) }
        } catch {
            throw IMAPError(.local, error.description)
        }
        let code = curl_easy_perform(easy.raw)
        follow(succeeded: code == CURLE_OK)
        return code
    }

    /// Updates `selection` and `capabilities` from the conversation of the last transfer.
    private func follow(succeeded: Bool) {
        if recorder.loggedIn {
            // A new connection: nothing is selected on it yet.
            selection = nil
            capabilities = nil
        }
        if succeeded, let seen = recorder.capabilities { capabilities = seen }
        for exchange in recorder.exchanges {
            switch exchange.verb {
            case "SELECT", "EXAMINE":
                guard exchange.status == .ok, let mailbox = Self.mailboxArgument(of: exchange) else {
                    // A failed SELECT leaves no mailbox selected (RFC 3501 6.3.1).
                    selection = nil
                    continue
                }
                let readOnly = exchange.verb == "EXAMINE" || exchange.reply?.responseCode?.name == "READ-ONLY"
                selection = Selection(mailbox: mailbox, readOnly: readOnly)
            case "CLOSE", "UNSELECT":
                if exchange.status == .ok { selection = nil }
            default:
                break
            }
        }
        // curl closes the connection after a failed transfer; the server may close it too.
        if !succeeded || recorder.sawBye { selection = nil }
    }

    /// The reply a failed transfer deserves: the server's refusal when it gave one, else curl's reason.
    private func failure(for code: CURLcode, mailbox: String?, uid: UInt32?) -> IMAPError {
        if let refusal = recorder.firstRefusal {
            let text = refusal.replyText
            if refusal.isLogin { return IMAPError(.loginFailed, text) }
            let responseCode = refusal.reply?.responseCode?.name
            let opensMailbox = ["SELECT", "EXAMINE", "STATUS", "APPEND"].contains(refusal.verb)
            if responseCode == "TRYCREATE" || responseCode == "NONEXISTENT" || (refusal.status == .no && opensMailbox) {
                return IMAPError(.noSuchMailbox, text, mailbox: Self.mailboxArgument(of: refusal) ?? mailbox, uid: uid)
            }
            return IMAPError(.protocolError, "\(refusal.command): \(text)", mailbox: mailbox, uid: uid)
        }
        let detail = errorBuffer[0] != 0 ? String(cString: errorBuffer) : String(cString: curl_easy_strerror(code))
        if curlSaysUIDValidityChanged { return IMAPError(.uidValidityChanged, detail, mailbox: mailbox, uid: uid) }
        switch code {
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_SSL_CONNECT_ERROR,
            CURLE_PEER_FAILED_VERIFICATION, CURLE_USE_SSL_FAILED, CURLE_SSL_CACERT_BADFILE:
            return IMAPError(.connectionFailed, detail, mailbox: mailbox, uid: uid)
        case CURLE_OPERATION_TIMEDOUT:
            return IMAPError(recorder.exchanges.isEmpty ? .connectionFailed : .connectionLost, detail, mailbox: mailbox, uid: uid)
        case CURLE_LOGIN_DENIED, CURLE_REMOTE_ACCESS_DENIED:
            return IMAPError(.loginFailed, detail)
        case CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE:
            return IMAPError(.connectionLost, detail, mailbox: mailbox, uid: uid)
        case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT, CURLE_NOT_BUILT_IN, CURLE_OUT_OF_MEMORY, CURLE_BAD_FUNCTION_ARGUMENT,
            CURLE_UNKNOWN_OPTION, CURLE_READ_ERROR, CURLE_WRITE_ERROR, CURLE_ABORTED_BY_CALLBACK:
            return IMAPError(.local, detail, mailbox: mailbox, uid: uid)
        default:
            return IMAPError(.protocolError, detail, mailbox: mailbox, uid: uid)
        }
    }

    /// curl refused to send a request whose `;UIDVALIDITY=` its own SELECT contradicted.
    private var curlSaysUIDValidityChanged: Bool {
        errorBuffer[0] != 0 && String(cString: errorBuffer).contains("UIDVALIDITY has changed")
    }

    // MARK: Parsing

    /// The untagged `* n FETCH (… UID uid …)` response in the exchange.
    private func fetchResponse(in exchange: IMAPExchange, uid: UInt32) -> [IMAPToken]? {
        for line in exchange.untagged {
            let tokens = line.tokens()
            guard tokens.count >= 4, tokens[2].atom?.uppercased() == "FETCH", tokens[3] == .open else { continue }
            let items = Array(tokens.dropFirst(4))
            guard let uidIndex = items.firstIndex(where: { $0.atom?.uppercased() == "UID" }), uidIndex + 1 < items.count,
                items[uidIndex + 1].atom.flatMap({ UInt32($0) }) == uid
            else { continue }
            return items
        }
        return nil
    }

    /// The flag list after `FLAGS` in a FETCH response's items.
    private static func flags(in items: [IMAPToken]) -> [String]? {
        guard let index = items.firstIndex(where: { $0.atom?.uppercased() == "FLAGS" }), index + 1 < items.count,
            items[index + 1] == .open
        else { return nil }
        var flags: [String] = []
        for token in items[(index + 2)...] {
            guard let atom = token.atom else { break }
            flags.append(atom)
        }
        return flags
    }

    /// The mailbox a command is about: `SELECT x`, `CREATE x`, `APPEND x …`, `UID MOVE n x`, `UID COPY n x`.
    private static func mailboxArgument(of exchange: IMAPExchange) -> String? {
        let tokens = IMAPResponse(text: Array(exchange.command.utf8)).tokens()
        let index = exchange.verb == "UID" ? 3 : 1
        guard index < tokens.count else { return nil }
        return text(of: tokens[index])
    }

    private static func text(of token: IMAPToken) -> String? {
        switch token {
        case .atom(let name): name
        case .string(let bytes): String(decoding: bytes, as: UTF8.self)
        default: nil
        }
    }

    // MARK: Handle setup

    private func configure() throws(CurlError) {
        let context = Unmanaged.passUnretained(self).toOpaque()
        try easy.set(CURLOPT_NOSIGNAL, true)
        try easy.set(CURLOPT_ERRORBUFFER, pointer: UnsafeMutableRawPointer(errorBuffer))
        // VERBOSE only turns the debug callback on; it is where the conversation is read.
        try easy.set(CURLOPT_VERBOSE, true)
        try easy.setDebugFunction(debugCallback)
        try easy.set(CURLOPT_DEBUGDATA, pointer: context)
        try easy.setWriteFunction(writeCallback)
        try easy.set(CURLOPT_WRITEDATA, pointer: context)
        try easy.setReadFunction(readCallback)
        try easy.set(CURLOPT_READDATA, pointer: context)
        // pingpong.c keeps only 40 bytes of a reply line that fills this buffer without a line end
        // (with the default 16 KiB, a SEARCH answer of ~4,000 UIDs). The largest buffer (512 KiB)
        // lets ~80,000 UIDs through; a longer line fails the command (`lineClipped`), never cut short.
        try easy.set(CURLOPT_BUFFERSIZE, 512 * 1024)
        try easy.set(CURLOPT_CONNECTTIMEOUT_MS, settings.connectTimeoutMilliseconds)
        try easy.set(CURLOPT_TIMEOUT_MS, settings.operationTimeoutMilliseconds)
        try easy.set(CURLOPT_TCP_KEEPALIVE, true)
        try easy.set(CURLOPT_USE_SSL, settings.useSSL)
        if settings.allowInsecureTLS {
            try easy.set(CURLOPT_SSL_VERIFYPEER, false)
            try easy.set(CURLOPT_SSL_VERIFYHOST, 0)
        }
    }

    fileprivate func read(into buffer: UnsafeMutablePointer<CChar>, capacity: Int) -> Int {
        upload.read(into: buffer, capacity: capacity)
    }
}

// curl's callbacks get the connection through their user-data pointer (passUnretained: the
// connection owns the handle, so it outlives every callback, and its deinit unhooks them).

private let readCallback: CCurlReadFunction = { buffer, size, count, context in
    guard let buffer, let context else { return 0 }
    let connection = Unmanaged<IMAPConnection>.fromOpaque(context).takeUnretainedValue()
    return connection.read(into: buffer, capacity: size * count)
}

private let writeCallback: CCurlWriteFunction = { data, size, count, context in
    guard let data, let context else { return size * count }
    let connection = Unmanaged<IMAPConnection>.fromOpaque(context).takeUnretainedValue()
    connection.body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: size * count))
    return size * count
}

private let debugCallback: CCurlDebugFunction = { _, type, data, size, context in
    guard let data, let context else { return 0 }
    let connection = Unmanaged<IMAPConnection>.fromOpaque(context).takeUnretainedValue()
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    switch type {
    case CURLINFO_HEADER_IN: connection.recorder.received(bytes)
    case CURLINFO_HEADER_OUT: connection.recorder.sent(bytes)
    case CURLINFO_TEXT: connection.recorder.noted(bytes)
    default: break
    }
    return 0
}
