import CarteiroNLU
import Testing

@Suite struct IntentEvaluationTests {
    @Test func computesAccuracyMacroF1AndPerIntentRows() throws {
        let evaluation = IntentEvaluation(
            truth: ["a", "a", "a", "b", "b", "c"],
            predicted: ["a", "a", "b", "b", nil, "a"]
        )
        #expect(evaluation.accuracy == 3.0 / 6.0)
        #expect(evaluation.rows.map(\.intent) == ["a", "b", "c"])
        let a = try #require(evaluation.rows.first)
        #expect(a.precision == 2.0 / 3.0)
        #expect(a.recall == 2.0 / 3.0)
        #expect(a.support == 3)
        let b = evaluation.rows[1]
        #expect(b.precision == 0.5 && b.recall == 0.5 && b.f1 == 0.5)
        #expect(evaluation.rows[2].f1 == 0)
        #expect(abs(evaluation.macroF1 - (2.0 / 3.0 + 0.5 + 0) / 3) < 1e-12)
    }
}
