import CarteiroDomain
public import CarteiroMail
import Foundation
public import Logging

/// A relay as written in configuration: a relay URL whose query may also carry the pool
/// settings `weight=N`, `rate=N` (messages per second), `streams=transactional,bulk` and
/// `name=…`, for example `smtp://user:pw@mx1.example.net:587?connections=8&weight=3&rate=50`.
///
/// Without `name=` the relay is named by its URL without the password and without those pool
/// settings, so that a reload that changes only a weight keeps the relay's breaker and counters.
public struct RelayDefinition: Sendable, Equatable {
    public var configuration: RelayConfiguration
    public var url: RelayURL

    public static let poolSettings: Set<String> = ["weight", "rate", "streams", "name"]

    public static func parse(_ text: String) throws(RelayURLError) -> RelayDefinition {
        let url = try RelayURL.parse(text)
        guard var components = URLComponents(string: text) else { throw RelayURLError(url: text, reason: "is not a URL") }
        let items = components.queryItems ?? []
        func value(_ key: String) -> String? { items.last(where: { $0.name.lowercased() == key })?.value }

        var configuration = RelayConfiguration(name: "")
        if let weight = value("weight") {
            guard let number = Int(weight), number >= 0 else { throw RelayURLError(url: text, reason: "weight must be a whole number ≥ 0") }
            configuration.weight = number
        }
        if let rate = value("rate") {
            guard let number = Double(rate), number > 0, number.isFinite else {
                throw RelayURLError(url: text, reason: "rate must be a positive number of messages per second")
            }
            configuration.maxMessagesPerSecond = number
        }
        if let streams = value("streams") {
            var parsed = Set<MailStream>()
            for part in streams.split(separator: ",") {
                guard let stream = MailStream(rawValue: part.trimmingCharacters(in: .whitespaces).lowercased()) else {
                    throw RelayURLError(url: text, reason: "streams must list transactional and/or bulk, not '\(part)'")
                }
                parsed.insert(stream)
            }
            guard !parsed.isEmpty else { throw RelayURLError(url: text, reason: "streams must name at least one stream") }
            configuration.streams = parsed
        }
        if let name = value("name"), !name.isEmpty {
            configuration.name = name
        } else {
            let kept = items.filter { !poolSettings.contains($0.name.lowercased()) }
            components.queryItems = kept.isEmpty ? nil : kept
            configuration.name = RelayURL.redacted(components.string ?? text)
        }
        return RelayDefinition(configuration: configuration, url: url)
    }

    /// Relays from a relays file: one URL per line; blank lines and `#` comments are ignored.
    /// Errors name the line.
    public static func parseFile(_ contents: String) throws(RelayFileError) -> [RelayDefinition] {
        var definitions: [RelayDefinition] = []
        for (index, rawLine) in contents.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            let text = line.trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty else { continue }
            do {
                let definition = try parse(text)
                guard !definitions.contains(where: { $0.configuration.name == definition.configuration.name }) else {
                    throw RelayFileError(line: index + 1, message: "relay '\(definition.configuration.name)' is listed twice")
                }
                definitions.append(definition)
            } catch let error as RelayURLError {
                throw RelayFileError(line: index + 1, message: error.description)
            } catch let error as RelayFileError {
                throw error
            } catch {
                throw RelayFileError(line: index + 1, message: "\(error)")
            }
        }
        return definitions
    }

    public func makeTransport(maxConnections: Int? = nil, logger: Logger) -> any MailTransport {
        url.makeTransport(name: configuration.name, maxConnections: maxConnections, logger: logger)
    }
}

public struct RelayFileError: Error, Hashable, Sendable, CustomStringConvertible {
    public let line: Int
    public let message: String
    public var description: String { "line \(line): \(message)" }

    public init(line: Int, message: String) {
        self.line = line
        self.message = message
    }
}
