import CarteiroDKIM
import Testing

@Suite struct RelaxedCanonicalizationTests {
    private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    // RFC 6376 §3.4.5: "A: <SP> X <CRLF>" and "B <SP> : <SP> Y <HTAB><CRLF> <HTAB> Z <SP><SP><CRLF>".
    @Test func headersCanonicalizeAsInRFC6376Example() {
        #expect(text(RelaxedCanonicalization.header(Array("A: X\r\n".utf8))) == "a:X\r\n")
        #expect(text(RelaxedCanonicalization.header(Array("B : Y\t\r\n\tZ  \r\n".utf8))) == "b:Y Z\r\n")
    }

    // RFC 6376 §3.4.5: "<SP> C <SP><CRLF> D <SP><HTAB><SP> E <CRLF> <CRLF> <CRLF>" becomes
    // "<SP> C <CRLF> D <SP> E <CRLF>".
    @Test func bodyCanonicalizesAsInRFC6376Example() {
        #expect(text(RelaxedCanonicalization.body(Array(" C \r\nD \t E\r\n\r\n\r\n".utf8))) == " C\r\nD E\r\n")
    }

    @Test func rfc6376ExampleMessageSplitsIntoTwoFieldsAndItsBody() throws {
        let message = Array("A: X\r\nB : Y\t\r\n\tZ  \r\n\r\n C \r\nD \t E\r\n\r\n\r\n".utf8)
        let layout = try message.withUnsafeBufferPointer { try MessageLayout($0) }
        #expect(layout.fields.count == 2)
        #expect(text(Array(message[layout.fields[1].start..<layout.fields[1].end])) == "B : Y\t\r\n\tZ  \r\n")
        #expect(text(Array(message[layout.bodyStart...])) == " C \r\nD \t E\r\n\r\n\r\n")
    }

    @Test func emptyBodyAndBodyOfBlankLinesCanonicalizeToNothing() {
        #expect(RelaxedCanonicalization.body([]).isEmpty)
        #expect(RelaxedCanonicalization.body(Array("\r\n  \r\n\t\r\n".utf8)).isEmpty)
    }

    @Test func lastLineWithoutLineBreakGetsCRLFAndLosesTrailingWhitespace() {
        #expect(text(RelaxedCanonicalization.body(Array("one\r\ntwo  ".utf8))) == "one\r\ntwo\r\n")
    }

    @Test func bareLineFeedsCountAsLineBreaks() {
        #expect(text(RelaxedCanonicalization.body(Array("one \ntwo\n\n".utf8))) == "one\r\ntwo\r\n")
        #expect(text(RelaxedCanonicalization.header(Array("Subject: a\n b\n".utf8))) == "subject:a b\r\n")
    }

    @Test func emptyLinesInsideTheBodyAreKept() {
        #expect(text(RelaxedCanonicalization.body(Array("a\r\n\r\n \r\nb\r\n\r\n".utf8))) == "a\r\n\r\n\r\nb\r\n")
    }

    @Test func headerWithEmptyValueKeepsItsColon() {
        #expect(text(RelaxedCanonicalization.header(Array("X-Empty:   \r\n".utf8))) == "x-empty:\r\n")
    }
}
