import CarteiroNLU
import Testing

@Suite struct IntentCrossValidationTests {
    @Test func scoresEveryExampleOnceFromAModelThatDidNotSeeIt() throws {
        let examples = ToyIntents.training.map { LabeledUtterance(text: $0.text, intent: $0.intent) }
        let result = try IntentCrossValidation.run(examples: examples, folds: 4)
        #expect(result.foldAccuracies.count == 4)
        #expect(result.evaluation.exampleCount == examples.count)
        #expect(result.evaluation.rows.map(\.support).reduce(0, +) == examples.count)
        #expect(result.accuracy > 2.0 / 5, "at least twice chance among five intents")
        #expect(result.accuracy < 1, "held-out folds of a tiny set are never all right; 1 would mean they were seen")
    }

    @Test func refusesFewerThanTwoFolds() {
        #expect {
            try IntentCrossValidation.run(examples: [LabeledUtterance(text: "oi", intent: "greeting")], folds: 1)
        } throws: { error in
            (error as? IntentClassifierError)?.field == "folds"
        }
    }
}
