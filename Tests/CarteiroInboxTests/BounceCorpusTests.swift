import CarteiroInbox
import CarteiroMIME
import Foundation
import Testing

/// The agreement `carteiro bench bounces` prints, over the fixture copy of Sisimai's corpus.
@Suite struct BounceCorpusTests {
    static func agreement() throws -> BounceAgreement {
        var reference: [String: [BounceAgreement.ReferenceRecord]] = [:]
        for file in ["bounces/sisimai-bsd.json", "bounces/sisimai-not.json"] {
            reference.merge(try JSONDecoder().decode([String: [BounceAgreement.ReferenceRecord]].self, from: Fixtures.data(file))) { first, _ in first
            }
        }
        var agreement = BounceAgreement()
        for folder in ["bounces/maildir/bsd", "bounces/maildir/not"] {
            for (name, bytes) in try Fixtures.messages(in: folder) {
                let records = try #require(reference[name], "\(name) has no Sisimai entry")
                agreement.add(
                    file: name, classification: MessageClassifier.classify(ParsedMessage.parse(bytes), context: ClassificationContext()),
                    reference: records)
            }
        }
        return agreement
    }

    @Test func agreesWithSisimaiOnNineInTenFilesAndRecords() throws {
        let agreement = try Self.agreement()
        try #require(agreement.files == 632)
        #expect(agreement.detection >= 0.90, "detection \(agreement.detection)")
        #expect(agreement.recipients >= 0.90, "recipients \(agreement.recipients)")
        #expect(agreement.permanence >= 0.90, "permanence \(agreement.permanence)")
    }

    /// The three messages Sisimai reads as no bounce at all: a person's message must never be taken for a report.
    @Test func messagesThatAreNoBounceAreNotBounces() throws {
        for (name, bytes) in try Fixtures.messages(in: "bounces/maildir/not") where name.hasPrefix("is-not-bounce") {
            let classification = MessageClassifier.classify(ParsedMessage.parse(bytes), context: ClassificationContext())
            #expect(!BounceAgreement.isReport(classification), "\(name): \(classification.kind)")
        }
    }
}
