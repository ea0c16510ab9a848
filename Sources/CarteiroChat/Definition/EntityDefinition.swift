public import Foundation

/// Something found in a customer's message: a regular expression (email, phone, CPF, dates)
/// or a list of canonical values with synonyms per locale.
public struct EntityDefinition: Sendable {
    public enum Kind: Sendable {
        /// The whole match is the value.
        case regex(NSRegularExpression)
        /// Canonical values, sorted by name.
        case values([Value])
    }

    /// A canonical value and the ways to say it per locale, the first of each list being the label.
    public struct Value: Sendable, Hashable {
        public let canonical: String
        public let synonyms: [String: [String]]
    }

    public let name: String
    public let kind: Kind

    /// The label of a value-list entity's canonical value in `locale`: its first synonym there.
    public func label(of canonical: String, locale: String) -> String? {
        guard case .values(let values) = kind, let value = values.first(where: { $0.canonical == canonical }) else { return nil }
        return value.synonyms[locale]?.first
    }
}
