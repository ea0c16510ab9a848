/// Whether a failure says the address itself is gone (the user or the domain does not exist, the
/// mailbox has moved, the domain takes no mail), as opposed to a refusal of this message (full
/// mailbox, blocked sender, spam or policy, size, timeouts) after which the address may still work.
/// Only the first kind should stop all mail to a contact.
enum AddressFailure {
    /// Words of servers saying there is no such mailbox. Filters also say "user unknown" to
    /// refuse a sender or a content after DATA, so the words do not count for a refusal after DATA.
    static let unknownMailboxPhrases: NeedleSet = [
        "user unknown", "unknown user", "no such user", "no such mailbox", "no such account", "no such recipient", "no such address",
        "mailbox not found", "mailbox does not exist", "mailbox doesn't exist", "does not exist", "doesn't exist", "not exist",
        "unknown recipient", "recipient unknown", "recipient not found", "invalid recipient", "recipient invalid", "address unknown",
        "unknown address",
        "user not found", "user doesn't", "user does not", "account does not", "not a valid mailbox", "invalid mailbox", "no mailbox",
        "bad destination mailbox", "unknown local part", "unknown local-part", "not our customer", "no such local user",
        "not listed in domino directory", "not listed in public name", "addressee unknown", "mailbox unavailable",
        "address does not", "email address could not be found", "not found in directory", "this user doesn't have", "illegal alias",
        "isn't a valid", "is not a valid", "not a known user", "invalid address", "no account by that name", "address not found",
        "address couldn't be found", "address couldn’t be found", "address could not be found", "recipient name is not recognized",
        "invalid final delivery userid", "check if address is correct", "no such person", "unknown mailbox", "mailbox unknown",
        "not a registered user", "user account is unavailable", "no valid recipients",
        // Office 365's word for a recipient it does not have; other "Recipient address rejected:"
        // replies (Postfix's wording for any refusal at RCPT) say why, and are judged on that.
        "recipient address rejected: access denied", "address rejected.",
    ]

    /// Words of servers saying the domain takes no mail, or the mailbox has moved away.
    static let goneDomainPhrases: NeedleSet = [
        "host unknown", "unknown host", "host not found", "domain not found", "no such domain", "domain does not", "name or service not known",
        "nxdomain", "domain name not found", "no mx", "unresolvable", "host or domain name not found", "does not accept mail", "accepts no mail",
        "null mx", "indicated no smtp service", "domain is not reachable", "unrouteable address", "unroutable address", "has moved",
        "recipient no longer", "user no longer", "no longer available", "no longer valid",
    ]

    /// Phrases of a refusal after the message's content was sent ("in reply to end of DATA
    /// command", "after end of data"): the recipient had been accepted, so the refusal is of the
    /// message, not of the address.
    static let afterDataPhrases: NeedleSet = [
        "end of data", "after data", "in reply to data command", "smtp command\ndata", "smtp command: data",
    ]

    /// Whether the refusal in `text` came after DATA: a phrase saying so, or a session transcript
    /// whose first error reply (`<<< 5…`, `<<< 4…`) follows `>>> DATA` (a transcript also shows
    /// `>>> DATA` after a recipient was refused at RCPT TO, and then the error comes first).
    private static let pipelinedRefusals: NeedleSet = ["<<< 503", "no valid recipients", "need rcpt"]

    static func refusedAfterData(_ text: LowercasedText, in range: Range<Int>? = nil) -> Bool {
        if text.containsAny(afterDataPhrases, in: range) { return true }
        let range = range ?? 0..<text.bytes.count
        // `<<< 503 Need RCPT` or `554 no valid recipients` answers DATA in a pipelined session
        // whose recipients were all refused at RCPT TO.
        guard let data = text.firstIndex(of: ">>> data", in: range), !text.containsAny(pipelinedRefusals, in: range) else { return false }
        let firstError = [text.firstIndex(of: "<<< 5", in: range), text.firstIndex(of: "<<< 4", in: range)].compactMap { $0 }.min()
        return firstError.map { $0 > data } ?? true
    }

    /// Words of servers refusing the message or the sender rather than the address.
    static let refusalPhrases: NeedleSet = [
        "quota", "mailbox full", "mailbox is full", "box is full", "insufficient", "exceeded", "storage", "too much mail",
        "spam", "blocked", "block list", "blacklist", "blocklist", "listed", "rbl", "reputation", "policy", "dmarc", "spf", "dkim",
        "rate limit", "too many", "relay", "relaying", "message size", "too large", "too big", "size limit", "virus", "malware",
        "content", "temporar", "try again", "timed out", "timeout", "connection", "refused",
        "not accepted", "authentication", "rejected by", "denied", "expired", "retry", "delayed", "greylist",
    ]

    /// A full mailbox exists, and a refusal about the sender says nothing about the recipient:
    /// these win over any words about unknown users in the same reply.
    static let notAboutTheAddressPhrases: NeedleSet = [
        "mailbox full", "mailbox is full", "box is full", "over quota", "quota exceeded", "exceeded quota", "exceeds quota", "quota",
        "insufficient storage", "disk full", "sender address rejected", "sender domain", "sender verify", "sender rejected",
        "sender address is", "envelope sender", "after mail from",
        // A disabled or suspended account is still there; a hedge ("may not exist") or a missing
        // permission says nothing certain about the address; a DNS answer to try again is temporary.
        "account is disabled", "account has been disabled", "account disabled", "mailbox disabled", "suspended", "may not exist",
        "not have permission", "permission to post", "not found, try again",
    ]

    /// Enhanced status codes that say the address is gone: bad mailbox (X.1.1), bad system (X.1.2),
    /// bad mailbox syntax (X.1.3), mailbox moved (X.1.6), domain takes no mail (X.1.10, RFC 7505),
    /// unable to route (X.4.4).
    static let goneStatuses: Set<String> = ["5.1.1", "5.1.2", "5.1.3", "5.1.6", "5.1.10", "5.4.4"]

    /// "host mx.example.org not found", "domain example.org not found": the name between the words
    /// varies, so the two halves are looked for on one line, close together.
    static func namesAnUnknownHost(_ text: LowercasedText, in range: Range<Int>? = nil) -> Bool {
        let range = range ?? 0..<text.bytes.count
        var from = range.lowerBound
        while let start = [text.firstIndex(of: "host ", in: from..<range.upperBound), text.firstIndex(of: "domain ", in: from..<range.upperBound)]
            .compactMap({ $0 }).min()
        {
            var end = start
            while end < range.upperBound, end - start < 100, text.bytes[end] != 0x0A { end += 1 }
            if text.contains(" not found", in: start..<end) { return true }
            from = start + 1
        }
        return false
    }

    /// Judges one recipient's failure from its status code and the server's words.
    static func isAddressGone(status: String?, diagnostic: LowercasedText, in range: Range<Int>? = nil, delayed: Bool, afterData: Bool = false)
        -> Bool
    {
        if delayed || afterData || status?.first == "4" || status?.first == "2" { return false }
        if refusedAfterData(diagnostic, in: range) { return false }
        // X.2.2 is a full mailbox and X.7.x a security or policy refusal (RFC 3463): the mailbox
        // is there. X.1.7 and X.1.8 are about the sender.
        if let status, status.hasSuffix(".2.2") || status.hasSuffix(".1.7") || status.hasSuffix(".1.8") { return false }
        let saysGone =
            diagnostic.containsAny(unknownMailboxPhrases, in: range) || diagnostic.containsAny(goneDomainPhrases, in: range)
            || namesAnUnknownHost(diagnostic, in: range)
        if diagnostic.containsAny(notAboutTheAddressPhrases, in: range) { return false }
        if let status, status.dropFirst().hasPrefix(".7.") { return saysGone && !diagnostic.containsAny(refusalPhrases, in: range) }
        if saysGone { return true }
        if let status, goneStatuses.contains(status) { return !diagnostic.containsAny(refusalPhrases, in: range) }
        return false
    }
}
