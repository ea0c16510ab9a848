/// An open-addressing map from n-gram key to feature index: cheaper than `Dictionary` in the
/// hot path (no SipHash; keys are already well mixed) and its contents do not depend on a
/// per-process hash seed.
struct FeatureTable: Sendable, Hashable {
    private var keys: [UInt64]
    private var values: [Int32]
    private var mask: Int
    private(set) var count = 0

    /// Key 0 marks an empty slot; a real key 0 is stored as this instead.
    private static let zeroKey: UInt64 = 0x8000_0000_0000_0001

    init(minimumCapacity: Int = 64) {
        var capacity = 64
        while capacity < minimumCapacity * 2 { capacity <<= 1 }
        keys = [UInt64](repeating: 0, count: capacity)
        values = [Int32](repeating: -1, count: capacity)
        mask = capacity - 1
    }

    @inline(__always)
    private static func stored(_ key: UInt64) -> UInt64 { key == 0 ? zeroKey : key }

    /// The index stored for `key`, or -1.
    @inline(__always)
    func index(of key: UInt64) -> Int32 {
        let key = Self.stored(key)
        return keys.withUnsafeBufferPointer { keys in
            var slot = Int(truncatingIfNeeded: key) & mask
            while true {
                let found = keys[slot]
                if found == key { return values[slot] }
                if found == 0 { return -1 }
                slot = (slot + 1) & mask
            }
        }
    }

    /// The index stored for `key`; when absent, stores `next` and returns it.
    mutating func index(of key: UInt64, insertingIfAbsent next: Int32) -> Int32 {
        if (count + 1) * 2 > keys.count { grow() }
        let key = Self.stored(key)
        var slot = Int(truncatingIfNeeded: key) & mask
        while true {
            let found = keys[slot]
            if found == key { return values[slot] }
            if found == 0 {
                keys[slot] = key
                values[slot] = next
                count += 1
                return next
            }
            slot = (slot + 1) & mask
        }
    }

    /// Every stored key with its index.
    func forEach(_ body: (UInt64, Int32) -> Void) {
        for slot in keys.indices where keys[slot] != 0 {
            body(keys[slot] == Self.zeroKey ? 0 : keys[slot], values[slot])
        }
    }

    private mutating func grow() {
        var larger = FeatureTable(minimumCapacity: keys.count)
        forEach { key, value in _ = larger.index(of: key, insertingIfAbsent: value) }
        self = larger
    }
}
