import CarteiroNLU
import Testing

@Suite struct IntentClassifierTests {
    let classifier: IntentClassifier

    init() throws {
        classifier = try IntentClassifier.train(examples: ToyIntents.training)
    }

    @Test func classifiesHeldOutParaphrasesInBothLanguages() {
        for (text, intent) in ToyIntents.heldOut {
            let result = classifier.classify(text)
            #expect(result.intent == intent, "\(text) → \(result)")
        }
    }

    @Test func answersNilForOutOfScopeText() {
        for text in ToyIntents.outOfScope {
            let result = classifier.classify(text)
            #expect(result.intent == nil, "\(text) → \(result)")
            #expect(result.confidence < classifier.confidenceThreshold)
        }
    }

    @Test func givesZeroConfidenceToTextWithNothingKnown() {
        for text in ["жжж ччч", "?!"] {
            let result = classifier.classify(text)
            #expect(result.intent == nil)
            #expect(result.confidence == 0)
        }
    }

    @Test func confidencesAreProbabilitiesInDecreasingOrder() {
        let ranking = classifier.ranking(for: "minha internet caiu")
        #expect(ranking.count == classifier.intents.count)
        #expect(ranking.allSatisfy { (0...1).contains($0.confidence) })
        #expect(ranking.map(\.confidence).reduce(0, +) <= 1)
        #expect(zip(ranking, ranking.dropFirst()).allSatisfy { $0.confidence >= $1.confidence })
        #expect(ranking.first?.intent == "internet_down")
    }

    @Test func twoTrainingsGiveIdenticalPredictions() throws {
        let again = try IntentClassifier.train(examples: ToyIntents.training)
        #expect(again.temperature == classifier.temperature)
        let texts = ToyIntents.heldOut.map(\.text) + ToyIntents.outOfScope + ToyIntents.training.map(\.text)
        for text in texts {
            #expect(again.ranking(for: text) == classifier.ranking(for: text))
        }
    }

    @Test func aThresholdOfZeroAlwaysNamesAnIntent() {
        var permissive = classifier
        permissive.confidenceThreshold = 0
        #expect(permissive.classify(ToyIntents.outOfScope[0]).intent != nil)
    }

    @Test func refusesASingleIntent() {
        #expect {
            try IntentClassifier.train(examples: [("oi", "greeting"), ("olá", "greeting")])
        } throws: { error in
            (error as? IntentClassifierError)?.code == .tooFewIntents
        }
    }

    @Test func refusesAnInvalidConfiguration() {
        var configuration = IntentClassifier.Configuration()
        configuration.cost = 0
        #expect {
            try IntentClassifier.train(examples: ToyIntents.training, configuration: configuration)
        } throws: { error in
            (error as? IntentClassifierError)?.code == .invalidConfiguration && (error as? IntentClassifierError)?.field == "cost"
        }
    }
}
