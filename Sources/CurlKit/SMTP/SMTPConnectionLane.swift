import CCurl
import CCurlShim

/// One connection to the relay and the curl handles that drive it, owned by one lane thread:
/// a multi handle (whose connection cache keeps the connection open between messages) and one
/// easy handle reused for every message, so the next message goes out on the same connection
/// without a new handshake.
///
/// Why one thread per connection rather than one thread driving every connection: in curl 7.88
/// the SMTP "done" step (sending the final dot and waiting for the reply to it) and QUIT block
/// the thread that runs curl_multi_perform (smtp.c's smtp_block_statemach). One thread for all
/// connections would wait for each relay's answer to the final dot in turn; a thread per
/// connection waits for one relay answer at a time, which is what an SMTP connection does anyway.
final class SMTPConnectionLane {
    private let settings: SMTPLaneSettings
    private let multi: CurlMultiHandle
    private let easy: CurlEasyHandle
    private var probeEasy: CurlEasyHandle?
    private let errorBuffer: UnsafeMutablePointer<CChar>
    /// The recipients of the message in flight; curl reads the list during the transfer.
    private var recipientList: CurlStringList?
    // Touched from curl's callbacks, which run on this lane's thread inside curl_multi_perform.
    fileprivate var recorder = SMTPReplyRecorder()
    fileprivate var body = CurlUpload()

    init(settings: SMTPLaneSettings) throws(CurlError) {
        self.settings = settings
        multi = try CurlMultiHandle()
        // One transfer at a time, so one cached connection.
        try multi.set(CURLMOPT_MAXCONNECTS, 1)
        easy = try CurlEasyHandle()
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        // Every property is set, so a throw from here on runs deinit, which frees the buffer.
        try configure(easy, probe: false)
    }

    deinit {
        // The handles (freed after this body) point back at self and at the error buffer: cut those
        // ties first so curl cannot call back into a half-destroyed lane.
        for handle in [easy, probeEasy].compactMap({ $0 }) {
            try? handle.set(CURLOPT_VERBOSE, false)
            try? handle.setDebugFunction(nil)
            try? handle.set(CURLOPT_ERRORBUFFER, pointer: nil)
        }
        errorBuffer.deallocate()
    }

    // MARK: Work

    func send(_ envelope: SMTPEnvelope) -> SMTPResult {
        guard !envelope.recipients.isEmpty else {
            return SMTPResult(outcome: .rejected(.local("the envelope has no recipients")))
        }
        recorder.reset()
        errorBuffer[0] = 0
        body.start(envelope.message)
        defer { body.clear() }
        let code: CURLcode
        do {
            let list = try CurlStringList(envelope.recipients)
            try easy.set(CURLOPT_MAIL_FROM, envelope.mailFrom)
            try easy.set(CURLOPT_MAIL_RCPT, list: list)
            recipientList = consume list
            try easy.set(CURLOPT_INFILESIZE_LARGE, size: Int64(envelope.message.count))
            var result = try run(easy)
            if result != CURLE_OK, diedBeforeAnyReply(result) {
                // The relay closed the reused connection between curl's liveness check and MAIL FROM.
                // It never answered, so it took nothing: sending again on a fresh connection cannot
                // duplicate the message.
                recorder.reset()
                errorBuffer[0] = 0
                body.rewind()
                result = try run(easy)
            }
            code = result
        } catch {
            return SMTPResult(outcome: .rejected(.local(error.description)))
        }
        guard code == CURLE_OK else { return SMTPResult(outcome: .rejected(failure(for: code))) }
        let refused = recorder.refusedRecipients.compactMap { index, reply -> SMTPResult.RefusedRecipient? in
            guard envelope.recipients.indices.contains(index) else { return nil }
            return SMTPResult.RefusedRecipient(recipient: envelope.recipients[index], failure: .reply(reply))
        }
        return SMTPResult(outcome: .accepted(reply: recorder.lastReplyText), refusedRecipients: refused)
    }

    /// A fresh connection: greeting, EHLO (STARTTLS and AUTH as configured), NOOP, QUIT.
    func probe() -> SMTPFailure? {
        recorder.reset()
        errorBuffer[0] = 0
        do {
            let handle: CurlEasyHandle
            if let probeEasy {
                handle = probeEasy
            } else {
                handle = try CurlEasyHandle()
                try configure(handle, probe: true)
                probeEasy = handle
            }
            let code = try run(handle)
            return code == CURLE_OK ? nil : failure(for: code)
        } catch {
            return .local(error.description)
        }
    }

    private func run(_ handle: CurlEasyHandle) throws(CurlError) -> CURLcode {
        try multi.add(handle)
        defer { multi.remove(handle) }
        return try multi.runToCompletion(handle)
    }

    private func diedBeforeAnyReply(_ code: CURLcode) -> Bool {
        guard code == CURLE_SEND_ERROR || code == CURLE_RECV_ERROR || code == CURLE_GOT_NOTHING else { return false }
        return recorder.lastReplyCode == nil && recorder.lastCommand != .none && easy.info(CURLINFO_NUM_CONNECTS) == 0
    }

    /// The relay's reply when it gave one that explains the failure, else what curl says.
    private func failure(for code: CURLcode) -> SMTPFailure {
        if let replyCode = recorder.lastReplyCode, replyCode >= 400, let reply = recorder.lastReplyText {
            return .reply(reply)
        }
        let detail = errorBuffer[0] != 0 ? String(cString: errorBuffer) : String(cString: curl_easy_strerror(code))
        switch code {
        case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT, CURLE_NOT_BUILT_IN, CURLE_OUT_OF_MEMORY,
            CURLE_BAD_FUNCTION_ARGUMENT, CURLE_UNKNOWN_OPTION, CURLE_READ_ERROR, CURLE_ABORTED_BY_CALLBACK:
            return .local(detail)
        default:
            // Refused or dropped connections, timeouts, TLS handshakes and certificates, a relay
            // without STARTTLS when it is required: the relay's state, worth retrying.
            return .transport(detail)
        }
    }

    // MARK: Handle setup

    private func configure(_ handle: CurlEasyHandle, probe: Bool) throws(CurlError) {
        let context = Unmanaged.passUnretained(self).toOpaque()
        try handle.set(CURLOPT_URL, settings.url)
        try handle.set(CURLOPT_NOSIGNAL, true)
        try handle.set(CURLOPT_ERRORBUFFER, pointer: UnsafeMutableRawPointer(errorBuffer))
        // VERBOSE only turns the debug callback on; it is where the relay's reply lines are read.
        try handle.set(CURLOPT_VERBOSE, true)
        try handle.setDebugFunction(debugCallback)
        try handle.set(CURLOPT_DEBUGDATA, pointer: context)
        try handle.setWriteFunction(discardCallback)
        try handle.set(CURLOPT_CONNECTTIMEOUT_MS, settings.connectTimeoutMilliseconds)
        try handle.set(CURLOPT_TIMEOUT_MS, settings.operationTimeoutMilliseconds)
        try handle.set(CURLOPT_TCP_KEEPALIVE, true)
        try handle.set(CURLOPT_USE_SSL, settings.useSSL)
        if settings.allowInsecureTLS {
            try handle.set(CURLOPT_SSL_VERIFYPEER, false)
            try handle.set(CURLOPT_SSL_VERIFYHOST, 0)
        }
        if let username = settings.username { try handle.set(CURLOPT_USERNAME, username) }
        if let password = settings.password { try handle.set(CURLOPT_PASSWORD, password) }
        if let loginOptions = settings.loginOptions { try handle.set(CURLOPT_LOGIN_OPTIONS, loginOptions) }
        if probe {
            // No recipients and no upload: curl sends the custom command instead of a transaction.
            try handle.set(CURLOPT_CUSTOMREQUEST, "NOOP")
            try handle.set(CURLOPT_NOBODY, true)
            try handle.set(CURLOPT_FRESH_CONNECT, true)
            try handle.set(CURLOPT_FORBID_REUSE, true)
        } else {
            // The message is uploaded through the read callback. curl 7.88 dot-stuffs upload data
            // for SMTP itself (smtp.c, Curl_smtp_escape_eob: a "." starting a line goes out as "..")
            // and adds the final CRLF.CRLF, so the message is passed as the caller built it.
            try handle.set(CURLOPT_UPLOAD, true)
            try handle.setReadFunction(readCallback)
            try handle.set(CURLOPT_READDATA, pointer: context)
            // Go on with the accepted recipients when some are refused; the refusals are reported.
            try handle.set(ccurl_option_mail_rcpt_allowfails(), true)
        }
    }

    fileprivate func read(into buffer: UnsafeMutablePointer<CChar>, capacity: Int) -> Int {
        body.read(into: buffer, capacity: capacity)
    }
}

// curl's callbacks get the lane through their user-data pointer (passUnretained: the lane owns
// the handles, so it outlives every callback, and its deinit unhooks them).

private let readCallback: CCurlReadFunction = { buffer, size, count, context in
    guard let buffer, let context else { return 0 }
    let lane = Unmanaged<SMTPConnectionLane>.fromOpaque(context).takeUnretainedValue()
    return lane.read(into: buffer, capacity: size * count)
}

private let discardCallback: CCurlWriteFunction = { _, size, count, _ in size * count }

private let debugCallback: CCurlDebugFunction = { _, type, data, size, context in
    guard let data, let context, type == CURLINFO_HEADER_IN || type == CURLINFO_HEADER_OUT else { return 0 }
    let lane = Unmanaged<SMTPConnectionLane>.fromOpaque(context).takeUnretainedValue()
    let line = UnsafeRawBufferPointer(start: data, count: size)
    if type == CURLINFO_HEADER_IN {
        lane.recorder.received(line)
    } else {
        lane.recorder.sent(line)
    }
    return 0
}

/// The configuration turned into what curl takes, once per client.
struct SMTPLaneSettings: Sendable {
    var url: String
    var username: String?
    var password: String?
    var loginOptions: String?
    var useSSL: Int
    var allowInsecureTLS: Bool
    var connectTimeoutMilliseconds: Int
    var operationTimeoutMilliseconds: Int

    init(_ configuration: SMTPRelayConfiguration) {
        url = Self.url(configuration.url, heloName: configuration.heloName)
        username = configuration.username
        password = configuration.password
        if let mechanisms = configuration.authMechanisms, !mechanisms.isEmpty {
            loginOptions = mechanisms.map { "AUTH=\($0.uppercased())" }.joined(separator: ";")
        }
        switch configuration.startTLS {
        case .none: useSSL = Int(CURLUSESSL_NONE.rawValue)
        case .opportunistic: useSSL = Int(CURLUSESSL_TRY.rawValue)
        case .required: useSSL = Int(CURLUSESSL_ALL.rawValue)
        }
        allowInsecureTLS = configuration.allowInsecureTLS
        connectTimeoutMilliseconds = Self.milliseconds(configuration.connectTimeout)
        operationTimeoutMilliseconds = Self.milliseconds(configuration.operationTimeout)
    }

    /// curl takes the EHLO argument from the URL's path (smtp://host:port/helo.example).
    private static func url(_ url: String, heloName: String?) -> String {
        guard let heloName, !heloName.isEmpty else { return url }
        var base = Substring(url)
        let utf8 = Array(url.utf8)
        if let schemeEnd = (0..<max(0, utf8.count - 2)).first(where: { utf8[$0] == 0x3A && utf8[$0 + 1] == 0x2F && utf8[$0 + 2] == 0x2F }) {
            let authority = base.utf8.index(base.utf8.startIndex, offsetBy: schemeEnd + 3)
            if let slash = base[authority...].firstIndex(of: "/") { base = base[..<slash] }
        }
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_[]:".utf8)
        var encoded = ""
        for byte in heloName.utf8 {
            if allowed.contains(byte) {
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let hex = String(byte, radix: 16, uppercase: true)
                encoded += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return base + "/" + encoded
    }

    private static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return max(1, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
    }
}
