/// A header section in order, with case-insensitive lookup.
public struct MIMEHeaders: Sendable, RandomAccessCollection {
    public struct Field: Sendable {
        /// The name as written.
        public let name: String
        /// The value unfolded (line breaks removed), trimmed, RFC 2047 words left encoded.
        public let rawValue: String
        let key: String

        init(name: String, rawValue: String) {
            self.name = name
            self.rawValue = rawValue
            self.key = name.asciiLowercased()
        }

        /// The value unfolded and with RFC 2047 encoded words decoded.
        public var value: String { EncodedWord.decode(rawValue) }
    }

    public private(set) var fields: [Field]

    public init(_ fields: [(name: String, value: String)] = []) {
        self.fields = fields.map { Field(name: $0.name, rawValue: $0.value) }
    }

    init(fields: [Field]) { self.fields = fields }

    public var startIndex: Int { fields.startIndex }
    public var endIndex: Int { fields.endIndex }
    public subscript(position: Int) -> Field { fields[position] }

    /// The first field named `name` (any case), unfolded and RFC 2047-decoded.
    public func value(for name: String) -> String? { field(name)?.value }

    /// Every field named `name`, in order, decoded.
    public func values(for name: String) -> [String] {
        let key = name.asciiLowercased()
        return fields.filter { $0.key == key }.map(\.value)
    }

    /// The first field named `name`, unfolded but not decoded (for structured fields such as
    /// Content-Type, Message-ID, addresses).
    public func rawValue(for name: String) -> String? { field(name)?.rawValue }

    public func contains(_ name: String) -> Bool { field(name) != nil }

    func field(_ name: String) -> Field? {
        let key = name.asciiLowercased()
        return fields.first { $0.key == key }
    }
}

extension String {
    func asciiLowercased() -> String {
        guard utf8.contains(where: { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) else { return self }
        return String(decoding: utf8.map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 + 32 : $0 }, as: UTF8.self)
    }
}
