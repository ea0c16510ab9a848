/// Random bits for the ids of the events one write appends: seeded once from the system's
/// generator, then SplitMix64. The system generator makes a getrandom call per draw, two per
/// id — a measurable share of recording a batch of outcomes. Event ids must be unique, not
/// secret: a UUIDv7's millisecond plus 74 bits from a sequence seeded with 64 fresh bits is.
struct EventIDGenerator: RandomNumberGenerator {
    private var state: UInt64

    init() {
        var system = SystemRandomNumberGenerator()
        state = system.next()
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
