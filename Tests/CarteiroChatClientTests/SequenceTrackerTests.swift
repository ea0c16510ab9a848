import CarteiroChatClient
import Testing

@Suite("Sequence tracker")
struct SequenceTrackerTests {
    @Test("out-of-order frames are each passed once; resume starts after the contiguous part")
    func outOfOrder() {
        var tracker = SequenceTracker()
        #expect(tracker.markSeen(1))
        #expect(tracker.markSeen(3), "an ack for 3 may come before message 2")
        #expect(tracker.contiguous == 1, "2 is missing, so a resume must ask from 1")
        #expect(tracker.markSeen(2))
        #expect(tracker.contiguous == 3)
        #expect(!tracker.markSeen(2), "a replayed frame is a duplicate")
        #expect(!tracker.markSeen(3))
        #expect(tracker.markSeen(5))
        #expect(!tracker.markSeen(5))
        #expect(tracker.contiguous == 3)
    }
}
