public import ArgumentParser
import Foundation

/// `carteiro bench …`: each subcommand prints one `name value` line per figure.
public struct BenchCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure Carteiro's parts on this machine; prints one line per figure.",
        subcommands: [StoreBench.self, ParseBench.self, DeliveryBench.self, ChatBench.self, ConnectionsBench.self, SoakBench.self, APIBench.self, BounceBench.self, TrackingBench.self]
    )

    public init() {}
}

/// A benchmark that cannot run, or whose load failed: reported as one line, exit status 1.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Writes one line to standard output at once (print is block-buffered on a pipe), so a
/// benchmark's figures appear as they are measured.
func emit(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
