public import Foundation

/// The source of wall-clock time for everything that stores or compares timestamps
/// (leases, due times, consent records). Injected so tests can move time by hand.
public protocol WallClock: Sendable {
    func now() -> Date
}

public struct SystemWallClock: WallClock {
    public init() {}
    public func now() -> Date { Date() }
}
