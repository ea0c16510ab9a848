/// An ordered BSON document: key order is kept, because MongoDB reads commands and sort
/// specifications in order.
///
/// Lookups are linear scans, which beats hashing for the small documents MongoKit handles;
/// equality is order-sensitive, as it is for MongoDB.
public struct BSONDocument: Sendable, Hashable {
    public typealias Element = (key: String, value: BSON)

    private var storedKeys: [String]
    private var storedValues: [BSON]

    public init() {
        storedKeys = []
        storedValues = []
    }

    /// Keeps the first value of a repeated key in place and the last value written to it.
    public init<S: Sequence>(_ elements: S) where S.Element == (String, BSON) {
        self.init()
        for (key, value) in elements { self[key] = value }
    }

    /// Appends without checking for a repeated key; for readers of documents that are already valid.
    init(uncheckedKeys keys: [String], values: [BSON]) {
        storedKeys = keys
        storedValues = values
    }

    public var keys: [String] { storedKeys }
    public var values: [BSON] { storedValues }
    public var count: Int { storedKeys.count }
    public var isEmpty: Bool { storedKeys.isEmpty }

    public func contains(key: String) -> Bool {
        storedKeys.contains(key)
    }

    /// Setting `nil` removes the key; setting an existing key keeps its position.
    public subscript(key: String) -> BSON? {
        get {
            guard let index = storedKeys.firstIndex(of: key) else { return nil }
            return storedValues[index]
        }
        set {
            if let index = storedKeys.firstIndex(of: key) {
                if let newValue {
                    storedValues[index] = newValue
                } else {
                    storedKeys.remove(at: index)
                    storedValues.remove(at: index)
                }
            } else if let newValue {
                storedKeys.append(key)
                storedValues.append(newValue)
            }
        }
    }

    /// Appends a key known not to be present yet, skipping the duplicate check.
    mutating func appendUnchecked(_ key: String, _ value: BSON) {
        storedKeys.append(key)
        storedValues.append(value)
    }

    mutating func reserveCapacity(_ capacity: Int) {
        storedKeys.reserveCapacity(capacity)
        storedValues.reserveCapacity(capacity)
    }

    /// A copy with `key` first, as MongoDB wants `_id` and command names.
    public func prepending(_ key: String, _ value: BSON) -> BSONDocument {
        var copy = self
        copy[key] = nil
        copy.storedKeys.insert(key, at: 0)
        copy.storedValues.insert(value, at: 0)
        return copy
    }
}

extension BSONDocument: Sequence {
    public struct Iterator: IteratorProtocol {
        private let document: BSONDocument
        private var index = 0

        init(_ document: BSONDocument) {
            self.document = document
        }

        public mutating func next() -> Element? {
            guard index < document.storedKeys.count else { return nil }
            defer { index += 1 }
            return (document.storedKeys[index], document.storedValues[index])
        }
    }

    public func makeIterator() -> Iterator {
        Iterator(self)
    }

    public var underestimatedCount: Int { count }
}

extension BSONDocument: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, BSON)...) {
        self.init(elements)
    }
}

extension BSONDocument: CustomStringConvertible {
    public var description: String {
        "{" + zip(storedKeys, storedValues).map { "\"\($0)\": \($1.description)" }.joined(separator: ", ") + "}"
    }
}
