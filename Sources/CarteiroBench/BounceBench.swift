import ArgumentParser
import CarteiroDomain
import CarteiroInbox
import CarteiroMIME
import Foundation

/// `carteiro bench bounces`: how far the inbox classifier agrees with Sisimai on the bounce
/// corpus, and how fast it parses and classifies.
struct BounceBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bounces",
        abstract: "Compare bounce classification with Sisimai's reading of a corpus, and measure its speed on one core.",
        discussion: """
            The corpus folder holds maildir/bsd/*.eml and maildir/not/*.eml, and sisimai-bsd.json / sisimai-not.json \
            mapping each file name to Sisimai's records ({recipient, status, reason, action, softbounce}). \
            A file counts as detected when we read it as a report (bounce, complaint, auto_reply, or a delivery \
            report listing recipients); recipients agree when the \
            lowercased sets are equal; permanence is compared on records with softbounce 0 or 1.
            """
    )

    @Option(help: "The corpus folder.")
    var corpus = "Tests/Fixtures/bounces"

    @Option(help: "Messages to parse and classify for the speed figure (the corpus is repeated).")
    var messages = 50_000

    @Flag(help: "List the files that disagree, and why.")
    var listDisagreements = false

    func run() async throws {
        var files: [(name: String, bytes: [UInt8])] = []
        var reference: [String: [BounceAgreement.ReferenceRecord]] = [:]
        for (folder, json) in [("maildir/bsd", "sisimai-bsd.json"), ("maildir/not", "sisimai-not.json")] {
            let directory = "\(corpus)/\(folder)"
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
                throw BenchError("cannot read the corpus folder \(directory) (run from the project root, or give --corpus)")
            }
            for name in names.sorted() where name.hasSuffix(".eml") {
                guard let data = FileManager.default.contents(atPath: "\(directory)/\(name)") else {
                    throw BenchError("cannot read \(directory)/\(name)")
                }
                files.append((name, [UInt8](data)))
            }
            guard let data = FileManager.default.contents(atPath: "\(corpus)/\(json)") else { throw BenchError("cannot read \(corpus)/\(json)") }
            do {
                reference.merge(try JSONDecoder().decode([String: [BounceAgreement.ReferenceRecord]].self, from: data)) { first, _ in first }
            } catch {
                throw BenchError("\(corpus)/\(json) is not a map of file name to records: \(error)")
            }
        }
        guard !files.isEmpty else { throw BenchError("no .eml files in \(corpus)/maildir") }
        emit("corpus: \(files.count) messages, \(files.reduce(0) { $0 + $1.bytes.count } / 1024) KiB")

        var agreement = BounceAgreement()
        for file in files {
            guard let records = reference[file.name] else { throw BenchError("\(file.name) has no entry in the Sisimai files") }
            let classification = MessageClassifier.classify(ParsedMessage.parse(file.bytes), context: ClassificationContext())
            agreement.add(file: file.name, classification: classification, reference: records)
        }
        emit("bounce_detection_agreement: \(format(agreement.detection)) (\(agreement.detectionAgreements)/\(agreement.files) files)")
        emit("recipient_agreement: \(format(agreement.recipients)) (\(agreement.recipientAgreements)/\(agreement.files) files)")
        emit(
            "permanent_temporary_agreement: \(format(agreement.permanence)) (\(agreement.permanenceAgreements)/\(agreement.permanenceRecords) records with softbounce 0 or 1)"
        )
        if listDisagreements {
            for disagreement in agreement.disagreements { emit("disagreement: \(disagreement.file) \(disagreement.reason)") }
        }

        var checksum = 0
        let start = ContinuousClock.now
        for index in 0..<messages {
            let classification = MessageClassifier.classify(ParsedMessage.parse(files[index % files.count].bytes), context: ClassificationContext())
            checksum &+= classification.bounces.count &+ classification.kind.rawValue.utf8.count
        }
        let seconds = (ContinuousClock.now - start).timeInterval
        emit("classify_messages_per_second: \(Int(Double(messages) / seconds)) (parse and classify, one core) [\(checksum % 10)]")
    }

    private func format(_ ratio: Double) -> String { String(format: "%.3f", ratio) }
}
