import Foundation

/// Turns one-vs-rest decision scores into confidences: a softmax over the scores divided by a
/// temperature T, with one more option of score 0 standing for "none of these intents".
///
/// Score 0 is every binary SVM's decision boundary: an intent whose SVM sits on the fence gets
/// about even odds against "none", and an utterance that no intent's SVM claims (all scores
/// negative, as out-of-scope text gets) leaves most of the probability to "none", even when one
/// score is less negative than the others. T is fitted among the intents alone (`fit`), so it
/// says how far apart scores must be to tell intents apart.
enum TemperatureCalibration {
    /// The probability of each intent; `1 - sum` is the probability of none.
    static func probabilities(_ scores: [Float], temperature: Double) -> [Double] {
        let largest = max(Double(scores.max() ?? 0), 0)
        var exponentials = scores.map { exp((Double($0) - largest) / temperature) }
        let sum = exponentials.reduce(exp(-largest / temperature), +)
        for index in exponentials.indices { exponentials[index] /= sum }
        return exponentials
    }

    /// The temperature that minimises the mean negative log-likelihood of the true intent under a
    /// softmax over the intents' held-out scores (temperature scaling, Guo et al. 2017), found by
    /// golden-section search on log T in [0.001, 10].
    static func fit(scores: [[Float]], labels: [Int]) -> Double {
        func loss(_ logTemperature: Double) -> Double {
            let temperature = exp(logTemperature)
            var total = 0.0
            for (row, label) in zip(scores, labels) {
                let largest = Double(row.max() ?? 0)
                var sum = 0.0
                for score in row { sum += exp((Double(score) - largest) / temperature) }
                total += log(sum) - (Double(row[label]) - largest) / temperature
            }
            return total
        }
        let ratio = (5.0.squareRoot() - 1) / 2
        var low = log(0.001)
        var high = log(10.0)
        var left = high - ratio * (high - low)
        var right = low + ratio * (high - low)
        var leftLoss = loss(left)
        var rightLoss = loss(right)
        for _ in 0..<60 {
            if leftLoss < rightLoss {
                high = right
                right = left
                rightLoss = leftLoss
                left = high - ratio * (high - low)
                leftLoss = loss(left)
            } else {
                low = left
                left = right
                leftLoss = rightLoss
                right = low + ratio * (high - low)
                rightLoss = loss(right)
            }
        }
        return exp((low + high) / 2)
    }
}
