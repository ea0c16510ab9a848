/// Follows one SMTP conversation through curl's debug callback (commands out, reply lines in) and
/// keeps the replies an outcome is built from: the last complete reply of the transaction and the
/// reply to each refused RCPT TO. Lives on one lane thread; buffers keep their capacity across
/// messages so recording costs no allocation per message.
struct SMTPReplyRecorder {
    enum Command {
        case none, mail, recipient, data, quit, other
    }

    private(set) var lastCommand = Command.none
    private var current: [UInt8] = []
    private var currentComplete = true
    /// The last complete reply (lines joined by "\n", without CRLF).
    private(set) var lastReply: [UInt8] = []
    private(set) var lastReplyCode: Int?
    /// Index into the envelope's recipients of the RCPT TO being answered.
    private var recipientIndex = -1
    /// (recipient index, reply) for each RCPT TO answered with 4xx/5xx.
    private(set) var refusedRecipients: [(Int, String)] = []

    init() {
        current.reserveCapacity(512)
        lastReply.reserveCapacity(512)
    }

    mutating func reset() {
        lastCommand = .none
        current.removeAll(keepingCapacity: true)
        currentComplete = true
        lastReply.removeAll(keepingCapacity: true)
        lastReplyCode = nil
        recipientIndex = -1
        if !refusedRecipients.isEmpty { refusedRecipients.removeAll() }
    }

    var lastReplyText: String? {
        lastReply.isEmpty ? nil : String(decoding: lastReply, as: UTF8.self)
    }

    /// A command line curl sent (CURLINFO_HEADER_OUT).
    mutating func sent(_ line: UnsafeRawBufferPointer) {
        guard line.count >= 4 else {
            lastCommand = .other
            return
        }
        // Upper-case the ASCII verb without building a String.
        let verb = (UInt32(line[0] & 0xDF) << 24) | (UInt32(line[1] & 0xDF) << 16) | (UInt32(line[2] & 0xDF) << 8) | UInt32(line[3] & 0xDF)
        switch verb {
        case 0x4D41_494C: lastCommand = .mail  // MAIL
        case 0x5243_5054:  // RCPT
            lastCommand = .recipient
            recipientIndex += 1
        case 0x4441_5441: lastCommand = .data  // DATA
        case 0x5155_4954: lastCommand = .quit  // QUIT
        default: lastCommand = .other
        }
    }

    /// One reply line curl received (CURLINFO_HEADER_IN), CRLF included.
    mutating func received(_ line: UnsafeRawBufferPointer) {
        // The answer to QUIT (curl closing the connection after a failure) must not hide the
        // reply that made the transaction fail.
        guard lastCommand != .quit else { return }
        var length = line.count
        while length > 0, line[length - 1] == 0x0A || line[length - 1] == 0x0D { length -= 1 }
        if currentComplete {
            current.removeAll(keepingCapacity: true)
            currentComplete = false
        } else {
            current.append(0x0A)
        }
        current.append(contentsOf: UnsafeRawBufferPointer(rebasing: line[0..<length]))
        // "250-…" continues a reply, "250 …" (or a bare "250") ends it.
        guard length == 3 || (length > 3 && line[3] != 0x2D) else { return }
        currentComplete = true
        swap(&current, &lastReply)
        lastReplyCode = Self.code(lastReply)
        if lastCommand == .recipient, let code = lastReplyCode, code >= 400 {
            refusedRecipients.append((recipientIndex, String(decoding: lastReply, as: UTF8.self)))
        }
    }

    private static func code(_ reply: [UInt8]) -> Int? {
        guard reply.count >= 3 else { return nil }
        var value = 0
        for byte in reply[0..<3] {
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return value
    }
}
