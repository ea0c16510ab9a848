import ArgumentParser
import CarteiroDomain
import CarteiroMIME
import Foundation

/// `carteiro bench parse`: MIME parsing speed over real mail (bounces and replies from the test fixtures).
struct ParseBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "parse", abstract: "Benchmark message parsing on one core.")

    @Option(help: "Folders of .eml files (default: the bounces and replies in Tests/Fixtures).")
    var corpus: [String] = ["Tests/Fixtures/bounces/maildir/bsd", "Tests/Fixtures/bounces/maildir/not", "Tests/Fixtures/replies"]

    @Option(help: "Messages to parse in all (the corpus is repeated).")
    var messages = 50_000

    func run() async throws {
        var files: [[UInt8]] = []
        for folder in corpus {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else {
                throw BenchError("cannot read the corpus folder \(folder) (run from the project root, or give --corpus)")
            }
            for name in names.sorted() where name.hasSuffix(".eml") {
                if let data = FileManager.default.contents(atPath: "\(folder)/\(name)") { files.append([UInt8](data)) }
            }
        }
        guard !files.isEmpty else { throw BenchError("no .eml files in \(corpus.joined(separator: ", "))") }
        let bytes = files.reduce(0) { $0 + $1.count }
        emit("corpus: \(files.count) messages, \(bytes / 1024) KiB")

        var checksum = 0
        var start = ContinuousClock.now
        for index in 0..<messages {
            checksum &+= ParsedMessage.parse(files[index % files.count]).root.children.count
        }
        var seconds = (ContinuousClock.now - start).timeInterval
        let totalBytes = Double(bytes) * Double(messages) / Double(files.count)
        emit("parse_messages_per_second: \(Int(Double(messages) / seconds)) (\(String(format: "%.0f", totalBytes / seconds / 1_048_576)) MiB/s)")

        start = ContinuousClock.now
        for index in 0..<messages {
            let parsed = ParsedMessage.parse(files[index % files.count])
            checksum &+= (parsed.subject?.count ?? 0) &+ (parsed.textBody?.count ?? 0) &+ (parsed.deliveryStatus?.recipients.count ?? 0)
                &+ parsed.from.count
        }
        seconds = (ContinuousClock.now - start).timeInterval
        emit("parse_and_read_messages_per_second: \(Int(Double(messages) / seconds)) (subject, from, text body, delivery status) [\(checksum % 10)]")
    }
}
