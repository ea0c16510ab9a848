import ArgumentParser

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure Carteiro's parts on this machine; prints one line per figure.",
        subcommands: [StoreBench.self, ParseBench.self, DeliveryBench.self, ChatBench.self]
    )
}
