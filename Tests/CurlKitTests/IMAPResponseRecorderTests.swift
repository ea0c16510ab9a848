import Testing

@testable import CurlKit

/// The reading of IMAP conversations from curl's debug stream, fed line by line as curl hands
/// them over (pingpong.c splits at LF, so a literal arrives as lines of its own).
@Suite struct IMAPResponseRecorderTests {
    private func sent(_ recorder: inout IMAPResponseRecorder, _ line: String) {
        Array(line.utf8).withUnsafeBytes { recorder.sent($0) }
    }

    private func received(_ recorder: inout IMAPResponseRecorder, _ line: String) {
        Array(line.utf8).withUnsafeBytes { recorder.received($0) }
    }

    @Test func literalLinesThatLookLikeTaggedRepliesStayInsideTheLiteral() throws {
        let literal = "A007 OK fake\r\n* 2 FETCH (UID 9)\r\n{3}\r\n) ("
        var recorder = IMAPResponseRecorder()
        recorder.reset(literalsGoToBody: false)
        sent(&recorder, "A007 UID FETCH 1 (FLAGS BODY.PEEK[])\r\n")
        received(&recorder, "* 1 FETCH (UID 1 FLAGS (\\Seen) BODY[] {\(literal.utf8.count)}\r\n")
        // As pingpong.c splits it: at each LF, the literal's end running into the rest of the line.
        received(&recorder, "A007 OK fake\r\n")
        received(&recorder, "* 2 FETCH (UID 9)\r\n")
        received(&recorder, "{3}\r\n")
        received(&recorder, ") ()\r\n")
        received(&recorder, "A007 OK Fetch completed.\r\n")

        let exchange = try #require(recorder.last)
        #expect(exchange.status == .ok)
        #expect(exchange.replyText == "OK Fetch completed.")
        #expect(exchange.untagged.count == 1)
        let response = try #require(exchange.untagged.first)
        #expect(response.literals == [Array(literal.utf8)])
        let tokens = response.tokens()
        #expect(tokens.last == .close)
        #expect(tokens.contains(.string(Array(literal.utf8))))
        #expect(tokens.contains(.atom("\\Seen")))
    }

    @Test func literalOfAFetchThroughTheURLIsLeftToTheBody() throws {
        var recorder = IMAPResponseRecorder()
        recorder.reset(literalsGoToBody: true)
        sent(&recorder, "A005 UID FETCH 3 BODY[]\r\n")
        received(&recorder, "* 3 FETCH (UID 3 FLAGS (\\Seen) BODY[] {57}\r\n")
        received(&recorder, ")\r\n")
        received(&recorder, "A005 OK Fetch completed.\r\n")

        let exchange = try #require(recorder.last)
        #expect(exchange.status == .ok)
        let tokens = try #require(exchange.untagged.first).tokens()
        #expect(
            tokens == [
                .atom("*"), .atom("3"), .atom("FETCH"), .open, .atom("UID"), .atom("3"), .atom("FLAGS"), .open, .atom("\\Seen"), .close,
                .atom("BODY[]"), .string([]), .close,
            ])
    }

    @Test func emptyLiteralContinuesTheResponse() throws {
        var recorder = IMAPResponseRecorder()
        recorder.reset(literalsGoToBody: false)
        sent(&recorder, "A003 LIST \"\" \"*\"\r\n")
        received(&recorder, "* LIST () \"/\" {0}\r\n")
        received(&recorder, "\r\n")
        received(&recorder, "A003 OK done\r\n")
        let exchange = try #require(recorder.last)
        #expect(exchange.untagged.count == 1)
        #expect(exchange.untagged.first?.literals == [[]])
    }

    @Test func quotedStringsAndBracketedSectionsAreSingleTokens() {
        let response = IMAPResponse(text: Array("* 1 FETCH (BODY[HEADER.FIELDS (SUBJECT)] \"a ) \\\" b\" X)".utf8))
        #expect(
            response.tokens() == [
                .atom("*"), .atom("1"), .atom("FETCH"), .open, .atom("BODY[HEADER.FIELDS (SUBJECT)]"), .string(Array("a ) \" b".utf8)), .atom("X"),
                .close,
            ])
    }

    @Test func responseCodesAreReadAfterTheStatusWordOnly() {
        #expect(IMAPResponse(text: Array("* OK [UIDVALIDITY 3857529045] UIDs valid".utf8)).responseCode?.argument == "3857529045")
        #expect(IMAPResponse(text: Array("NO [TRYCREATE] Mailbox doesn't exist: Nope".utf8)).responseCode?.name == "TRYCREATE")
        #expect(IMAPResponse(text: Array("* 1 FETCH (BODY[] {3}".utf8)).responseCode == nil)
    }

    @Test func postLoginCapabilitiesReplaceThePreLoginOnes() {
        var recorder = IMAPResponseRecorder()
        recorder.reset(literalsGoToBody: false)
        received(&recorder, "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] Dovecot ready.\r\n")
        sent(&recorder, "A001 CAPABILITY\r\n")
        received(&recorder, "* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n")
        received(&recorder, "A001 OK Pre-login capabilities listed.\r\n")
        sent(&recorder, "A002 AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==\r\n")
        received(&recorder, "* CAPABILITY IMAP4rev1 MOVE UIDPLUS\r\n")
        received(&recorder, "A002 OK Logged in\r\n")

        #expect(recorder.loggedIn)
        #expect(recorder.capabilities == ["IMAP4REV1", "MOVE", "UIDPLUS"])
        // The password never stays in the record.
        #expect(recorder.exchanges.allSatisfy { !$0.command.contains("AGFsaWNl") })
    }
}
