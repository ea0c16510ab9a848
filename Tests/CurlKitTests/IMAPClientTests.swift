import CarteiroTesting
import CurlKit
import Testing

/// The IMAP client against a real Dovecot. What a test checks about the mail is read with doveadm
/// where it can be, so a client that only agrees with itself cannot pass.
@Suite struct IMAPClientTests {
    private let user = "alice"
    /// Characters that must be percent-encoded in the URL.
    private let password = "s3cr@t/ %w"

    private func message(_ subject: String, body: String = "Hello.\n") -> [UInt8] {
        let text = "From: sender@example.test\nTo: alice@example.test\nSubject: \(subject)\n\n\(body)"
        return Array(text.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\r\n").utf8)
    }

    private func startDovecot(capabilities: String? = nil) async throws -> Dovecot {
        try await Dovecot.start(users: [user: password], capabilities: capabilities)
    }

    private func client(_ dovecot: Dovecot, mailbox: String = "INBOX", password: String? = nil) -> IMAPClient {
        IMAPClient(
            configuration: IMAPConfiguration(
                url: dovecot.url(user: user, password: password ?? self.password, mailbox: mailbox), startTLS: .none,
                connectTimeout: .seconds(5), operationTimeout: .seconds(20)))
    }

    /// Runs `body` with a fresh Dovecot and a client of its INBOX, and stops both however it ends.
    private func withDovecot(
        capabilities: String? = nil, _ body: (Dovecot, IMAPClient) async throws -> Void
    ) async throws {
        let dovecot = try await startDovecot(capabilities: capabilities)
        defer { dovecot.stop() }
        let client = client(dovecot)
        do {
            try await body(dovecot, client)
        } catch {
            await client.shutdown()
            Issue.record("Dovecot log:\n\(dovecot.logTail())")
            throw error
        }
        await client.shutdown()
    }

    private func expectIMAPError(_ code: IMAPError.Code, _ body: () async throws(IMAPError) -> Void) async -> IMAPError? {
        do {
            try await body()
            Issue.record("expected an IMAP \(code) error, got success")
            return nil
        } catch {
            #expect(error.code == code, "\(error)")
            return error
        }
    }

    // MARK: Selecting and listing

    @Test func selectReportsUIDValidityUIDNextAndMessageCount() async throws {
        try await withDovecot { dovecot, client in
            let empty = try await client.select()
            let stored = try dovecot.status(user: user)
            #expect(empty == IMAPMailboxStatus(uidValidity: stored.uidValidity, uidNext: 1, exists: 0))

            try dovecot.deliver(message("one"), user: user)
            try dovecot.deliver(message("two"), user: user)
            let filled = try await client.select()
            #expect(filled == IMAPMailboxStatus(uidValidity: stored.uidValidity, uidNext: 3, exists: 2))
        }
    }

    @Test func listsUIDsAboveAGivenUIDAndNeverTheHighestBelowIt() async throws {
        try await withDovecot { dovecot, client in
            var appended: [UInt32] = []
            for index in 1...3 {
                appended.append(try #require(try await client.append(message("message \(index)"))))
            }
            #expect(try dovecot.uids(user: user) == appended)

            #expect(try await client.uids(above: 0) == appended)
            #expect(try await client.uids(above: appended[1]) == [appended[2]])
            // `UID n:*` with n above the highest UID still matches the highest one; it must not come back.
            #expect(try await client.uids(above: appended[2]) == [])
            #expect(try await client.uids(above: appended[2] + 100) == [])
        }
    }

    @Test func searchAnswerLongerThanCurlsDefaultBufferComesBackWhole() async throws {
        // "* SEARCH 1 2 … 6000" is ~29 KB: with curl's default 16 KiB buffer, pingpong.c would keep
        // 40 bytes of it (a 4,000-UID answer is already cut).
        try await withDovecot { dovecot, client in
            _ = try dovecot.status(user: user)
            try dovecot.deliverToMaildir((1...6000).map { message("bulk \($0)") }, user: user)

            let uids = try await client.uids(above: 0)

            #expect(uids == Array(1...6000))
            #expect(try await client.uids(above: 5990) == Array(5991...6000))
        }
    }

    // MARK: Fetching and flags

    @Test func fetchReturnsTheExactBytesAndLeavesTheMessageUnseen() async throws {
        try await withDovecot { dovecot, client in
            let original = message("exact", body: "Line one.\nLine two, then an empty line.\n\nTrailing spaces   \n")
            let uid = try #require(try await client.append(original))
            #expect(try dovecot.flags(user: user, uid: uid)?.contains("\\Seen") == false)

            let fetched = try await client.fetchMessage(uid: uid)

            #expect(fetched == original)
            #expect(fetched.count == original.count)
            #expect(try dovecot.flags(user: user, uid: uid)?.contains("\\Seen") == false)
            #expect(try await client.flags(uid: uid)?.contains("\\Seen") == false)
        }
    }

    @Test func fetchOfADeliveredMessageLeavesItUnseen() async throws {
        // Delivered behind the client's back, so no earlier command of the client touched it.
        try await withDovecot { dovecot, client in
            try dovecot.deliver(message("delivered"), user: user)
            let uid = try #require(try await client.uids(above: 0).first)
            let fetched = try await client.fetchMessage(uid: uid)
            #expect(fetched == message("delivered"))
            #expect(try dovecot.flags(user: user, uid: uid) == [])
        }
    }

    @Test func literalHoldingParenthesesBracesAndProtocolLookalikesComesBackWhole() async throws {
        try await withDovecot { dovecot, client in
            let body = """
                ) closes nothing
                {5}
                abc) {12}
                * 1 FETCH (UID 99 FLAGS (\\Seen) BODY[] {3}
                A005 OK Fetch completed.
                )) "quoted" \\ back {0}
                """
            // curl tags its commands A001, A002, …: a line of the body that looks like the reply to the
            // FETCH must not end it.
            let tagLookalikes = (1...40).map { "A\(String(1000 + $0).dropFirst()) OK Fetch completed." }.joined(separator: "\n")
            let original = message("braces {5} and ) parens (", body: body + "\n" + tagLookalikes + "\n")
            let uid = try #require(try await client.append(original))
            let second = try #require(try await client.append(message("after")))

            #expect(try await client.fetchMessage(uid: uid) == original)
            // The connection still reads replies right after such a message.
            #expect(try await client.uids(above: 0) == [uid, second])
            #expect(try await client.fetchMessage(uid: second) == message("after"))
            #expect(try dovecot.flags(user: user, uid: uid)?.contains("\\Seen") == false)
        }
    }

    @Test func fetchOfAnUnknownUIDIsNoSuchMessage() async throws {
        try await withDovecot { _, client in
            try await client.append(message("only"))
            let error = await expectIMAPError(.noSuchMessage) { () async throws(IMAPError) in _ = try await client.fetchMessage(uid: 4242) }
            #expect(error?.uid == 4242)
            #expect(try await client.flags(uid: 4242) == nil)
        }
    }

    @Test func markSeenSetsTheSeenFlag() async throws {
        try await withDovecot { dovecot, client in
            let first = try #require(try await client.append(message("first")))
            let second = try #require(try await client.append(message("second")))
            _ = try await client.fetchMessage(uid: first)

            try await client.markSeen(uid: first)

            #expect(try dovecot.flags(user: user, uid: first) == ["\\Seen"])
            #expect(try dovecot.flags(user: user, uid: second) == [])
            #expect(try await client.flags(uid: first) == ["\\Seen"])
        }
    }

    @Test func appendWithSeenStoresItSeen() async throws {
        try await withDovecot { dovecot, client in
            let uid = try #require(try await client.append(message("read already"), seen: true))
            #expect(try dovecot.flags(user: user, uid: uid) == ["\\Seen"])
        }
    }

    // MARK: Moving

    @Test func moveToProcessedCreatesItOnFirstUseAndLeavesInboxWithoutTheMessage() async throws {
        try await withDovecot { dovecot, client in
            let first = try #require(try await client.append(message("to process")))
            let second = try #require(try await client.append(message("stays")))
            #expect(throws: Dovecot.CommandError.self) { try dovecot.status(user: user, mailbox: "Processed") }

            try await client.move(uid: first, to: "Processed")

            #expect(try dovecot.uids(user: user) == [second])
            let processed = try dovecot.uids(user: user, mailbox: "Processed")
            #expect(processed.count == 1)
            let movedUID = try #require(processed.first)
            #expect(try await client.fetchMessage(uid: movedUID, in: "Processed") == message("to process"))
            #expect(try dovecot.flags(user: user, mailbox: "Processed", uid: movedUID)?.contains("\\Deleted") == false)

            // Into the now existing mailbox, and into another new one.
            try await client.move(uid: second, to: "Processed")
            #expect(try dovecot.uids(user: user) == [])
            #expect(try dovecot.uids(user: user, mailbox: "Processed").count == 2)
            let failed = try #require(try await client.append(message("bad one")))
            try await client.move(uid: failed, to: "Failed")
            #expect(try dovecot.uids(user: user, mailbox: "Failed").count == 1)
            #expect(try await client.uids(above: 0) == [])
        }
    }

    @Test func moveWithoutTheMOVEExtensionCopiesAndFlagsDeletedButExpungesNothing() async throws {
        // Dovecot advertises no MOVE (the command would still work: the client must not use it).
        let capabilities = "IMAP4rev1 LITERAL+ SASL-IR ID ENABLE IDLE UIDPLUS NAMESPACE UNSELECT CHILDREN"
        try await withDovecot(capabilities: capabilities) { dovecot, client in
            let uid = try #require(try await client.append(message("copied")))

            try await client.move(uid: uid, to: "Processed")

            #expect(try dovecot.uids(user: user) == [uid])
            #expect(try dovecot.flags(user: user, uid: uid)?.contains("\\Deleted") == true)
            let copies = try dovecot.uids(user: user, mailbox: "Processed")
            #expect(copies.count == 1)
            #expect(try await client.fetchMessage(uid: try #require(copies.first), in: "Processed") == message("copied"))
        }
    }

    @Test func moveOfAnUnknownUIDIsNoSuchMessage() async throws {
        try await withDovecot { dovecot, client in
            try await client.append(message("only"))
            let error = await expectIMAPError(.noSuchMessage) { () async throws(IMAPError) in try await client.move(uid: 999, to: "Processed") }
            #expect(error?.uid == 999)
            #expect(try dovecot.uids(user: user).count == 1)
        }
    }

    @Test func mailboxNamesWithSpacesAndQuotesAreQuotedInCommandsAndEncodedInURLs() async throws {
        try await withDovecot { dovecot, client in
            let uid = try #require(try await client.append(message("odd names")))
            let target = "Needs \"Review\" Now"

            try await client.move(uid: uid, to: target)

            #expect(try dovecot.uids(user: user) == [])
            let moved = try #require(try dovecot.uids(user: user, mailbox: target).first)
            #expect(try await client.select(target).exists == 1)
            #expect(try await client.fetchMessage(uid: moved, in: target) == message("odd names"))
            try await client.markSeen(uid: moved, in: target)
            #expect(try dovecot.flags(user: user, mailbox: target, uid: moved) == ["\\Seen"])
            #expect(try await client.uids(above: 0, in: target) == [moved])
        }
    }

    @Test func nonASCIIMailboxNameIsALocalError() async throws {
        let client = IMAPClient(configuration: IMAPConfiguration(url: "imap://alice:secret@127.0.0.1:1/INBOX"))
        let error = await expectIMAPError(.local) { () async throws(IMAPError) in try await client.move(uid: 1, to: "Caixa de saída") }
        #expect(error?.mailbox == "Caixa de saída")
        await client.shutdown()
    }

    // MARK: UIDVALIDITY

    @Test func uidValidityChangesWhenTheMailboxIsRecreated() async throws {
        try await withDovecot { dovecot, client in
            try dovecot.createMailbox("Archive", user: user)
            try await client.append(message("archived"), to: "Archive")
            let before = try await client.select("Archive")
            #expect(before.exists == 1)

            try dovecot.recreateMailbox("Archive", user: user)

            let after = try await client.select("Archive")
            #expect(after.uidValidity != before.uidValidity)
            #expect(after.uidValidity == (try dovecot.status(user: user, mailbox: "Archive")).uidValidity)
            #expect(after.exists == 0)
            #expect(try await client.uids(above: 0, in: "Archive") == [])
        }
    }

    @Test func staleUIDValidityRefusesCommandsAndLeavesTheMessageNowUnderThatUIDAlone() async throws {
        try await withDovecot { dovecot, client in
            try dovecot.createMailbox("Archive", user: user)
            let first = try #require(try await client.append(message("old first"), to: "Archive"))
            let second = try #require(try await client.append(message("old second"), to: "Archive"))
            let old = try await client.select("Archive").uidValidity
            // Under the right value they work.
            #expect(try await client.fetchMessage(uid: first, in: "Archive", uidValidity: old) == message("old first"))
            try await client.markSeen(uid: first, in: "Archive", uidValidity: old)
            #expect(try await client.flags(uid: first, in: "Archive", uidValidity: old) == ["\\Seen"])

            // Renumbered while the client has it selected: the UIDs now name other messages.
            try dovecot.recreateMailbox("Archive", user: user)
            try dovecot.deliver(message("new first"), user: user, mailbox: "Archive")
            try dovecot.deliver(message("new second"), user: user, mailbox: "Archive")
            let new = try dovecot.status(user: user, mailbox: "Archive").uidValidity
            #expect(try dovecot.uids(user: user, mailbox: "Archive") == [first, second])

            let refusals: [IMAPError?] = [
                await expectIMAPError(.uidValidityChanged) { () async throws(IMAPError) in
                    try await client.markSeen(uid: second, in: "Archive", uidValidity: old)
                },
                await expectIMAPError(.uidValidityChanged) { () async throws(IMAPError) in
                    try await client.move(uid: second, from: "Archive", to: "Processed", uidValidity: old)
                },
                await expectIMAPError(.uidValidityChanged) { () async throws(IMAPError) in
                    _ = try await client.fetchMessage(uid: second, in: "Archive", uidValidity: old)
                },
            ]
            #expect(refusals.allSatisfy { $0?.text.contains("\(new)") == true }, "\(refusals)")
            #expect(try dovecot.uids(user: user, mailbox: "Archive") == [first, second])
            #expect(try dovecot.flags(user: user, mailbox: "Archive", uid: second) == [])
            #expect(throws: Dovecot.CommandError.self) { try dovecot.status(user: user, mailbox: "Processed") }

            #expect(try await client.fetchMessage(uid: second, in: "Archive", uidValidity: new) == message("new second"))
            try await client.move(uid: second, from: "Archive", to: "Processed", uidValidity: new)
            #expect(try dovecot.uids(user: user, mailbox: "Archive") == [first])
            #expect(dovecot.loginCount() == 1)
        }
    }

    // MARK: Failures

    @Test func wrongPasswordIsALoginFailure() async throws {
        let dovecot = try await startDovecot()
        defer { dovecot.stop() }
        let client = client(dovecot, password: "wrong")
        let error = await expectIMAPError(.loginFailed) { () async throws(IMAPError) in _ = try await client.select() }
        #expect(error?.text.contains("AUTHENTICATIONFAILED") == true, "\(String(describing: error))")
        #expect(error?.isTransient == false)
        await client.shutdown()
    }

    @Test func closedPortIsAConnectionFailure() async throws {
        let port = try freeLoopbackPort()
        let client = IMAPClient(
            configuration: IMAPConfiguration(url: "imap://alice:secret@127.0.0.1:\(port)/INBOX", startTLS: .none, connectTimeout: .seconds(5)))
        let error = await expectIMAPError(.connectionFailed) { () async throws(IMAPError) in _ = try await client.select() }
        #expect(error?.isTransient == true)
        await client.shutdown()
    }

    @Test func unknownMailboxIsNoSuchMailboxAndTheClientGoesOn() async throws {
        try await withDovecot { _, client in
            let selectError = await expectIMAPError(.noSuchMailbox) { () async throws(IMAPError) in _ = try await client.select("Nope") }
            #expect(selectError?.mailbox == "Nope")
            #expect(selectError?.text.contains("doesn't exist") == true, "\(String(describing: selectError))")
            _ = await expectIMAPError(.noSuchMailbox) { () async throws(IMAPError) in _ = try await client.uids(above: 0, in: "Nope") }
            _ = await expectIMAPError(.noSuchMailbox) { () async throws(IMAPError) in _ = try await client.fetchMessage(uid: 1, in: "Nope") }
            _ = await expectIMAPError(.noSuchMailbox) { () async throws(IMAPError) in try await client.append(message("lost"), to: "Nope") }

            try await client.append(message("found"))
            #expect(try await client.select().exists == 1)
        }
    }

    @Test func malformedURLIsALocalError() async throws {
        let client = IMAPClient(configuration: IMAPConfiguration(url: "http://alice:secret@127.0.0.1:1/INBOX"))
        let error = await expectIMAPError(.local) { () async throws(IMAPError) in _ = try await client.select() }
        #expect(error?.text.contains("secret") == false)
    }

    @Test func shutDownClientRefusesCommands() async throws {
        let dovecot = try await startDovecot()
        defer { dovecot.stop() }
        let client = client(dovecot)
        _ = try await client.select()
        await client.shutdown()
        _ = await expectIMAPError(.local) { () async throws(IMAPError) in _ = try await client.select() }
    }

    // MARK: TLS

    @Test func imapsCarriesCommandsWhenTheCertificateIsAccepted() async throws {
        let dovecot = try await Dovecot.start(users: [user: password], tls: true)
        defer { dovecot.stop() }
        let client = IMAPClient(
            configuration: IMAPConfiguration(url: dovecot.url(user: user, password: password, tls: true), allowInsecureTLS: true))
        let uid = try #require(try await client.append(message("over TLS")))
        #expect(try await client.fetchMessage(uid: uid) == message("over TLS"))
        await client.shutdown()

        let logins = dovecot.loginLines()
        #expect(logins.count == 1)
        #expect(logins.allSatisfy { $0.contains(", TLS") }, "\(logins)")
    }

    @Test func imapsWithAnUntrustedCertificateIsAConnectionFailure() async throws {
        let dovecot = try await Dovecot.start(users: [user: password], tls: true)
        defer { dovecot.stop() }
        let client = IMAPClient(configuration: IMAPConfiguration(url: dovecot.url(user: user, password: password, tls: true)))
        _ = await expectIMAPError(.connectionFailed) { () async throws(IMAPError) in _ = try await client.select() }
        await client.shutdown()
        #expect(dovecot.loginCount() == 0)
    }

    @Test func requiredSTARTTLSEncryptsThePlainPort() async throws {
        let dovecot = try await Dovecot.start(users: [user: password], tls: true)
        defer { dovecot.stop() }
        let client = IMAPClient(
            configuration: IMAPConfiguration(url: dovecot.url(user: user, password: password), startTLS: .required, allowInsecureTLS: true))
        #expect(try await client.select().exists == 0)
        await client.shutdown()

        let logins = dovecot.loginLines()
        #expect(logins.count == 1)
        #expect(logins.allSatisfy { $0.contains(", TLS") }, "\(logins)")
    }

    @Test func requiredSTARTTLSAgainstAServerWithoutTLSIsAConnectionFailure() async throws {
        let dovecot = try await startDovecot()
        defer { dovecot.stop() }
        let client = IMAPClient(
            configuration: IMAPConfiguration(url: dovecot.url(user: user, password: password), startTLS: .required, allowInsecureTLS: true))
        _ = await expectIMAPError(.connectionFailed) { () async throws(IMAPError) in _ = try await client.select() }
        await client.shutdown()
        #expect(dovecot.loginCount() == 0)
    }

    // MARK: Connection reuse

    @Test func concurrentCallersTakeTurnsOnTheOneConnection() async throws {
        try await withDovecot { dovecot, client in
            var expected: [UInt32: [UInt8]] = [:]
            for index in 0..<8 {
                let uid = try #require(
                    try await client.append(message("concurrent \(index)", body: String(repeating: "line \(index)\n", count: index * 50))))
                expected[uid] = message("concurrent \(index)", body: String(repeating: "line \(index)\n", count: index * 50))
            }
            let fetched = try await withThrowingTaskGroup(of: (UInt32, [UInt8]).self) { group in
                for uid in expected.keys {
                    group.addTask { (uid, try await client.fetchMessage(uid: uid)) }
                    group.addTask {
                        try await client.markSeen(uid: uid)
                        return (0, [])
                    }
                }
                var results: [UInt32: [UInt8]] = [:]
                for try await (uid, bytes) in group where uid != 0 { results[uid] = bytes }
                return results
            }

            #expect(fetched == expected)
            for uid in expected.keys { #expect(try dovecot.flags(user: user, uid: uid) == ["\\Seen"]) }
            #expect(dovecot.loginCount() == 1)
        }
    }

    @Test func oneClientCarriesManyCommandsOverOneConnection() async throws {
        try await withDovecot { dovecot, client in
            var uids: [UInt32] = []
            for index in 0..<10 {
                let uid = try #require(try await client.append(message("reuse \(index)")))
                uids.append(uid)
                #expect(try await client.uids(above: uids.count > 1 ? uids[uids.count - 2] : 0) == [uid])
                #expect(try await client.fetchMessage(uid: uid) == message("reuse \(index)"))
                try await client.markSeen(uid: uid)
                _ = try await client.select()
            }
            try await client.move(uid: uids[0], to: "Processed")
            _ = try await client.select("Processed")
            #expect(try await client.uids(above: 0) == Array(uids.dropFirst()))

            #expect(dovecot.loginCount() == 1)
        }
    }
}
