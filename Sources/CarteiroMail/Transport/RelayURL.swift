public import CurlKit
public import Foundation
public import Logging

/// A relay as configured by URL: `smtp://[user:password@]host[:port][?starttls=required|opportunistic|none]`,
/// `smtps://…`, or `file:///path/to/folder`.
public enum RelayURL: Sendable, Equatable {
    case smtp(SMTPRelayConfiguration)
    case file(URL)

    public static func parse(_ text: String) throws(RelayURLError) -> RelayURL {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
            throw RelayURLError(url: text, reason: "is not a URL")
        }
        switch scheme {
        case "file":
            guard !components.path.isEmpty else { throw RelayURLError(url: text, reason: "names no folder") }
            return .file(URL(fileURLWithPath: components.path))
        case "smtp", "smtps":
            guard let host = components.host, !host.isEmpty else { throw RelayURLError(url: text, reason: "names no host") }
            let query = Dictionary((components.queryItems ?? []).map { ($0.name.lowercased(), $0.value ?? "") }, uniquingKeysWith: { _, last in last })
            var startTLS: SMTPRelayConfiguration.StartTLSPolicy = scheme == "smtps" ? .none : .opportunistic
            if let policy = query["starttls"] {
                switch policy {
                case "required": startTLS = .required
                case "opportunistic": startTLS = .opportunistic
                case "none": startTLS = .none
                default: throw RelayURLError(url: text, reason: "starttls must be required, opportunistic or none")
                }
            }
            var connections = 4
            if let value = query["connections"] {
                guard let number = Int(value), number > 0 else { throw RelayURLError(url: text, reason: "connections must be a positive number") }
                connections = number
            }
            let port = components.port.map { ":\($0)" } ?? ""
            return .smtp(
                SMTPRelayConfiguration(
                    url: "\(scheme)://\(host)\(port)", username: components.user?.removingPercentEncoding,
                    password: components.password?.removingPercentEncoding, startTLS: startTLS, maxConnections: connections,
                    allowInsecureTLS: query["insecure"] == "1" || query["insecure"] == "true"))
        default:
            throw RelayURLError(url: text, reason: "must start with smtp://, smtps:// or file://")
        }
    }

    /// The URL without its password, for logs and job records.
    public static func redacted(_ text: String) -> String {
        guard var components = URLComponents(string: text), components.password != nil else { return text }
        components.password = "***"
        return components.string ?? text
    }
}

public struct RelayURLError: Error, Hashable, Sendable, CustomStringConvertible {
    public let url: String
    public let reason: String
    public var description: String { "relay '\(RelayURL.redacted(url))' \(reason)" }

    public init(url: String, reason: String) {
        self.url = url
        self.reason = reason
    }
}

extension RelayURL {
    /// The transport this URL names. `maxConnections` overrides the URL's `connections=`.
    public func makeTransport(name: String, maxConnections: Int? = nil, logger: Logger) -> any MailTransport {
        switch self {
        case .file(let directory):
            return FileTransport(directory: directory)
        case .smtp(var configuration):
            if let maxConnections { configuration.maxConnections = maxConnections }
            return SMTPRelayTransport(name: name, configuration: configuration, logger: logger)
        }
    }
}
