import CarteiroNLU
import Testing

@Suite struct Banking77Tests {
    /// The figure a scikit-learn TF-IDF word + character n-gram linear SVM reaches on this split.
    static let baselineAccuracy = 0.913

    @Test func accuracyOnTheTestSplitReachesTheScikitLearnBaseline() throws {
        let corpora = try Corpora.directory()
        let training = try LabeledUtterance.load(csvFile: corpora + "/banking77/train.csv")
        let test = try LabeledUtterance.load(csvFile: corpora + "/banking77/test.csv")
        #expect(training.count == 10003)
        #expect(test.count == 3080)

        // The accuracy depends only on the most likely intent, which the temperature does not
        // change: a fixed one spares the calibration trainings, which are slow in debug builds.
        var configuration = IntentClassifier.Configuration()
        configuration.temperature = .fixed(0.1)
        let benchmark = try IntentBenchmark.run(training: training, test: test, configuration: configuration, timingPasses: 1)
        #expect(benchmark.evaluation.accuracy >= Self.baselineAccuracy, "\(benchmark.textReport())")
        #expect(benchmark.evaluation.rows.count == 77)
        #expect(benchmark.textReport().hasPrefix("accuracy: 0.9"))
    }
}
