import CarteiroChatClient
import Testing

@Suite("Sequence tracker")
struct SequenceTrackerTests {
    @Test("out-of-order frames are each passed once; resume starts after the contiguous part")
    func outOfOrder() {
        var tracker = SequenceTracker()
        // An ack for 3 may come before message 2; replays of 2 and 3 are duplicates.
        let passed = [1, 3, 2, 2, 3, 5, 5].map { tracker.markSeen($0) }
        #expect(passed == [true, true, true, false, false, true, false])
        #expect(tracker.contiguous == 3, "4 is missing, so a resume must ask from 3")

        var gap = SequenceTracker()
        _ = gap.markSeen(1)
        _ = gap.markSeen(3)
        #expect(gap.contiguous == 1)
    }
}
