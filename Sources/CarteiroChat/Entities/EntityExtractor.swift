import CarteiroNLU
import Foundation

/// Finds a bot's entities in a message. Regex entities match the text as written; value-list
/// entities match synonyms on normalised words (case and accents do not matter), whole words only,
/// longest synonym first, the message's locale before the others, each word claimed once.
public struct EntityExtractor: Sendable {
    private struct Phrase: Sendable {
        let words: [String]
        let entity: String
        let canonical: String
        let locale: String
    }

    /// Phrases in the order they claim words, and where each one's first word leads.
    private struct PhraseIndex: Sendable {
        let phrases: [Phrase]
        /// Positions in `phrases` by first word, ascending.
        let byFirstWord: [String: [Int]]

        init(_ phrases: [Phrase]) {
            self.phrases = phrases
            var byFirstWord: [String: [Int]] = [:]
            for (position, phrase) in phrases.enumerated() { byFirstWord[phrase.words[0], default: []].append(position) }
            self.byFirstWord = byFirstWord
        }
    }

    private let regexes: [(name: String, regex: NSRegularExpression)]
    /// Longest first; the order for a locale the bot does not have.
    private let phrases: PhraseIndex
    /// For each of the bot's locales: longest first, that locale's phrases before the others'.
    private let phrasesByLocale: [String: PhraseIndex]

    public init(entities: [String: EntityDefinition]) {
        var regexes: [(String, NSRegularExpression)] = []
        var phrases: [Phrase] = []
        for (name, entity) in entities.sorted(by: { $0.key < $1.key }) {
            switch entity.kind {
            case .regex(let regex):
                regexes.append((name, regex))
            case .values(let values):
                for value in values {
                    for (locale, synonyms) in value.synonyms.sorted(by: { $0.key < $1.key }) {
                        for synonym in synonyms {
                            let words = TextNormalization.normalize(synonym).split(separator: " ").map(String.init)
                            if !words.isEmpty { phrases.append(Phrase(words: words, entity: name, canonical: value.canonical, locale: locale)) }
                        }
                    }
                }
            }
        }
        self.regexes = regexes
        self.phrases = PhraseIndex(Self.longestFirst(phrases))
        var phrasesByLocale: [String: PhraseIndex] = [:]
        for locale in Set(phrases.map(\.locale)) {
            phrasesByLocale[locale] = PhraseIndex(
                Self.longestFirst(phrases.filter { $0.locale == locale } + phrases.filter { $0.locale != locale }))
        }
        self.phrasesByLocale = phrasesByLocale
    }

    /// Stable: longer first, otherwise in the given order.
    private static func longestFirst(_ phrases: [Phrase]) -> [Phrase] {
        phrases.enumerated().sorted { ($0.element.words.count, -$0.offset) > ($1.element.words.count, -$1.offset) }.map(\.element)
    }

    /// Every entity found in `text`, in order of appearance (regex entities first on a tie).
    public func extract(from text: String, locale: String) -> [EntityMatch] {
        var found: [(position: String.Index, match: EntityMatch)] = []
        let whole = NSRange(text.startIndex..<text.endIndex, in: text)
        for (name, regex) in regexes {
            for result in regex.matches(in: text, range: whole) {
                guard let range = Range(result.range, in: text), !range.isEmpty else { continue }
                let surface = String(text[range])
                found.append((range.lowerBound, EntityMatch(entity: name, value: surface, text: surface)))
            }
        }
        found.append(contentsOf: valueMatches(in: text, locale: locale))
        return found.sorted { $0.position < $1.position }.map(\.match)
    }

    private func valueMatches(in text: String, locale: String) -> [(String.Index, EntityMatch)] {
        let index = phrasesByLocale[locale] ?? phrases
        guard !index.phrases.isEmpty else { return [] }
        // Most messages hold no phrase's first word: one normalisation of the whole text tells,
        // before the word-by-word one that keeps where each word came from.
        let candidates = TextNormalization.normalize(text).split(separator: " ")
        guard candidates.contains(where: { index.byFirstWord[String($0)] != nil }) else { return [] }
        let words = NormalizedWords(text)
        guard !words.words.isEmpty else { return [] }
        // Every place a phrase occurs, found through its first word, then claimed in phrase
        // order: each phrase left to right, skipping words already claimed.
        var occurrences: [(phrase: Int, start: Int)] = []
        for start in words.words.indices {
            for position in index.byFirstWord[words.words[start]] ?? [] {
                let phrase = index.phrases[position]
                guard start + phrase.words.count <= words.words.count,
                    words.words[start..<(start + phrase.words.count)].elementsEqual(phrase.words)
                else { continue }
                occurrences.append((position, start))
            }
        }
        occurrences.sort { ($0.phrase, $0.start) < ($1.phrase, $1.start) }
        var claimed = [Bool](repeating: false, count: words.words.count)
        var result: [(String.Index, EntityMatch)] = []
        for occurrence in occurrences {
            let phrase = index.phrases[occurrence.phrase]
            let span = occurrence.start..<(occurrence.start + phrase.words.count)
            guard !claimed[span].contains(true) else { continue }
            for word in span { claimed[word] = true }
            let range = words.ranges[span.lowerBound].lowerBound..<words.ranges[span.upperBound - 1].upperBound
            result.append((range.lowerBound, EntityMatch(entity: phrase.entity, value: phrase.canonical, text: String(text[range]))))
        }
        return result
    }
}
