import CarteiroNLU

/// Guesses a message's locale from the bot's own examples: each normalised word used by the
/// examples of exactly one locale votes for it, and so does each letter outside ASCII that only
/// one locale's examples use ("ã", "ç"). No clear winner: `nil`.
public struct LocaleDetector: Sendable {
    private let words: [String: String]
    private let letters: [Character: String]

    public init(examples: [String: [String]]) {
        var wordLocales: [String: Set<String>] = [:]
        var letterLocales: [Character: Set<String>] = [:]
        for (locale, texts) in examples {
            for text in texts {
                for word in TextNormalization.normalize(text).split(separator: " ") { wordLocales[String(word), default: []].insert(locale) }
                for letter in text.lowercased() where letter.isLetter && !letter.isASCII { letterLocales[letter, default: []].insert(locale) }
            }
        }
        words = wordLocales.compactMapValues { $0.count == 1 ? $0.first : nil }
        letters = letterLocales.compactMapValues { $0.count == 1 ? $0.first : nil }
    }

    /// A bot's examples per locale, all intents together.
    public init(definition: BotDefinition) {
        var examples: [String: [String]] = [:]
        for intent in definition.intents.values {
            for (locale, texts) in intent.examples { examples[locale, default: []].append(contentsOf: texts) }
        }
        self.init(examples: examples)
    }

    public func detect(_ text: String) -> String? {
        var votes: [String: Int] = [:]
        for word in TextNormalization.normalize(text).split(separator: " ") {
            if let locale = words[String(word)] { votes[locale, default: 0] += 1 }
        }
        for letter in Set(text.lowercased()) {
            if let locale = letters[letter] { votes[locale, default: 0] += 1 }
        }
        let ranked = votes.sorted { $0.value > $1.value }
        guard let best = ranked.first, ranked.count == 1 || ranked[1].value < best.value else { return nil }
        return best.key
    }
}
