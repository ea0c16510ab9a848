import Testing

@testable import CarteiroServer

/// When the server hands free heap memory back to the system (issue 14, part 2).
@Suite struct MemoryReleasePolicyTests {
    /// The policy's answer to each reading in turn, (allocated, free) in MB, with an 8 MB threshold.
    private func decisions(_ readings: [(allocated: Int, free: Int)]) -> [Bool] {
        let megabyte = 1_048_576
        var policy = MemoryReleasePolicy(threshold: 8 * megabyte)
        return readings.map { policy.shouldRelease(after: MallocTuning.Usage(allocated: $0.allocated * megabyte, free: $0.free * megabyte)) }
    }

    @Test func releasesOnceWhenTheHeapInUseFellByTheThreshold() {
        // After the release the memory stays free inside the heap; it was handed back already.
        #expect(decisions([(10, 1), (120, 2), (12, 100), (12, 100), (11, 101)]) == [false, false, true, false, false])
    }

    @Test func aSteadyLoadIsNeverTrimmed() {
        #expect(decisions((0..<100).map { (100 + $0 % 5, 20) }) == Array(repeating: false, count: 100))
    }

    @Test func aFallWithLittleFreeInsideTheHeapIsNotTrimmed() {
        // The heap's top was given back by free() itself: nothing is left to trim.
        #expect(decisions([(100, 1), (50, 2)]) == [false, false])
    }

    @Test func eachFloodThatEndsIsTrimmedAgain() {
        #expect(decisions([(100, 1), (10, 90), (80, 20), (10, 90)]) == [false, true, false, true])
    }

    /// Connections still closing after the first release free more: released again each time the
    /// heap has fallen by a quarter of the threshold since, then left alone once it is steady.
    @Test func releasesAgainWhileTheFloodIsStillEnding() {
        #expect(
            decisions([(10, 1), (120, 2), (14, 100), (6, 108), (6, 108), (5, 109), (3, 111)])
                == [false, false, true, true, false, false, true])
    }

    /// After a release, a heap that grows again and falls back to where it was is not a new fall.
    @Test func aRiseAndFallBelowTheThresholdAfterAReleaseIsNotTrimmed() {
        #expect(decisions([(100, 1), (10, 90), (14, 86), (10, 90)]) == [false, true, false, false])
    }
}
