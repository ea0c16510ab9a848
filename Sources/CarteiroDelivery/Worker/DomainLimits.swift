import Foundation

/// Limits per recipient domain, shared by every worker process on one store: messages per
/// minute, and messages in flight at once (one SMTP transaction each, so at most that many
/// connections carry the domain's mail at a time).
public struct DomainLimit: Sendable, Hashable {
    public var messagesPerMinute: Int?
    public var maxParallel: Int?

    public init(messagesPerMinute: Int? = nil, maxParallel: Int? = nil) {
        self.messagesPerMinute = messagesPerMinute
        self.maxParallel = maxParallel
    }
}

public struct DomainLimits: Sendable, Hashable {
    public private(set) var byDomain: [String: DomainLimit]

    public init(_ byDomain: [String: DomainLimit] = [:]) {
        self.byDomain = Dictionary(byDomain.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { _, last in last })
    }

    public var isEmpty: Bool { byDomain.isEmpty }

    public func limit(for domain: String) -> DomainLimit? { byDomain[domain.lowercased()] }

    /// Parses `DOMAIN:PER_MINUTE[:PARALLEL]`, `-` meaning no limit: `gmail.com:600:4`, `example.org:-:2`.
    public static func parse(_ entries: [String]) throws(DomainLimitError) -> DomainLimits {
        var limits: [String: DomainLimit] = [:]
        for entry in entries {
            let parts = entry.split(separator: ":", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard (2...3).contains(parts.count), !parts[0].isEmpty, !parts[0].contains("@") else {
                throw DomainLimitError(entry: entry, reason: "must be DOMAIN:PER_MINUTE[:PARALLEL]")
            }
            func number(_ text: String, _ what: String) throws(DomainLimitError) -> Int? {
                if text == "-" { return nil }
                guard let value = Int(text), value > 0 else { throw DomainLimitError(entry: entry, reason: "\(what) must be a positive number or -") }
                return value
            }
            let limit = DomainLimit(
                messagesPerMinute: try number(parts[1], "messages per minute"), maxParallel: parts.count == 3 ? try number(parts[2], "parallel") : nil)
            guard limit.messagesPerMinute != nil || limit.maxParallel != nil else {
                throw DomainLimitError(entry: entry, reason: "sets no limit")
            }
            limits[parts[0].lowercased()] = limit
        }
        return DomainLimits(limits)
    }
}

public struct DomainLimitError: Error, Hashable, Sendable, CustomStringConvertible {
    public let entry: String
    public let reason: String
    public var description: String { "domain limit '\(entry)' \(reason)" }
}
