import CarteiroNLU
import Testing

@Suite struct CSVReaderTests {
    @Test func readsQuotedCommasQuotesAndLineBreaks() throws {
        let csv = "text,category\n\"Hello, world\",greeting\n\"She said \"\"hi\"\"\",quote\n\"two\nlines\",multi\r\nplain,last\n"
        let records = try CSVReader.records(in: csv)
        #expect(
            records == [
                ["text", "category"],
                ["Hello, world", "greeting"],
                ["She said \"hi\"", "quote"],
                ["two\nlines", "multi"],
                ["plain", "last"],
            ]
        )
    }

    @Test func keepsEmptyFieldsAndAFinalRecordWithoutLineBreak() throws {
        #expect(try CSVReader.records(in: "a,,\"\"\n,b") == [["a", "", ""], ["", "b"]])
    }

    @Test func reportsTheLineOfAnUnterminatedQuote() {
        #expect {
            try CSVReader.records(in: "text,category\nok,fine\n\"never\nclosed,x\n")
        } throws: { error in
            (error as? CSVError)?.code == .unterminatedQuote && (error as? CSVError)?.line == 3
        }
    }

    @Test func rejectsTextAfterAClosingQuote() {
        #expect {
            try CSVReader.records(in: "\"a\"b,c\n")
        } throws: { error in
            (error as? CSVError)?.code == .unexpectedCharacterAfterQuote
        }
    }

    @Test func loadsUtterancesByColumnName() throws {
        let utterances = try LabeledUtterance.parse(csv: "category,text\nbilling,\"Where is my bill, please?\"\n")
        #expect(utterances == [LabeledUtterance(text: "Where is my bill, please?", intent: "billing")])
    }

    @Test func namesTheMissingColumn() {
        #expect {
            try LabeledUtterance.parse(csv: "sentence,category\nhi,greeting\n")
        } throws: { error in
            (error as? CSVError)?.code == .missingColumn && (error as? CSVError)?.line == 1
        }
    }

    @Test func namesTheLineOfARecordWithTooFewFields() {
        #expect {
            try LabeledUtterance.parse(csv: "text,category\n\"a\nb\",x\nlonely\n")
        } throws: { error in
            (error as? CSVError)?.code == .wrongFieldCount && (error as? CSVError)?.line == 4
        }
    }
}
