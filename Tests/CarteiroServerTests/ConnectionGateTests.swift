import Synchronization
import Testing

@testable import CarteiroServer

/// Places in the chat gate, with time given.
@Suite struct ConnectionGateTests {
    let start = ContinuousClock.now

    final class Channel {}

    @Test func whenFullTheConnectionWaitingLongestForHelloMakesRoomOnceItWaitedLongEnough() {
        let gate = ConnectionGate(limits: .init(maximum: 2, evictableAfter: .seconds(2)))
        let (a, b, c) = (Channel(), Channel(), Channel())
        guard case .admitted(let first) = gate.enter(channel: ObjectIdentifier(a), address: nil, customer: true, at: start),
            case .admitted = gate.enter(channel: ObjectIdentifier(b), address: nil, customer: true, at: start + .seconds(1))
        else {
            Issue.record("the first two are admitted")
            return
        }
        let evicted = EvictionFlag()
        first.onEviction { evicted.set() }
        guard case .refused(.full) = gate.enter(channel: ObjectIdentifier(c), address: nil, customer: true, at: start + .seconds(1)) else {
            Issue.record("nobody has waited 2 s yet")
            return
        }
        #expect(!evicted.isSet)
        guard case .admitted = gate.enter(channel: ObjectIdentifier(c), address: nil, customer: true, at: start + .seconds(2)) else {
            Issue.record("the first has waited 2 s")
            return
        }
        #expect(evicted.isSet)
        #expect(gate.count == 2, "the evicted one no longer counts, though its socket is still closing")
    }

    @Test func aCustomerPastHelloIsNeverEvicted() {
        let gate = ConnectionGate(limits: .init(maximum: 1, evictableAfter: .seconds(2)))
        let (a, b) = (Channel(), Channel())
        guard case .admitted(let first) = gate.enter(channel: ObjectIdentifier(a), address: nil, customer: true, at: start) else {
            Issue.record("admitted")
            return
        }
        gate.greet(first)
        guard case .refused(.full) = gate.enter(channel: ObjectIdentifier(b), address: nil, customer: true, at: start + .seconds(60)) else {
            Issue.record("refused")
            return
        }
        gate.leave(first)
        guard case .admitted = gate.enter(channel: ObjectIdentifier(b), address: nil, customer: true, at: start + .seconds(60)) else {
            Issue.record("the place was given back")
            return
        }
    }

    @Test func anAddressHoldsAtMostItsShareAndAgentsAreNotCounted() {
        let gate = ConnectionGate(limits: .init(maximum: 100, perAddress: 2))
        let address = IPAddress("198.51.100.4")!
        let channels = (0..<4).map { _ in Channel() }
        let outcomes = channels.prefix(3).map { gate.enter(channel: ObjectIdentifier($0), address: address, customer: true, at: start) }
        #expect(outcomes.map { if case .admitted = $0 { true } else { false } } == [true, true, false])
        guard case .admitted = gate.enter(channel: ObjectIdentifier(channels[3]), address: address, customer: false, at: start) else {
            Issue.record("an agent is not counted under its address")
            return
        }
    }
}

final class EvictionFlag: Sendable {
    private let flag = Mutex(false)
    func set() { flag.withLock { $0 = true } }
    var isSet: Bool { flag.withLock { $0 } }
}
