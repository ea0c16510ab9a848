/// A template part whose tags are all plain variables — `{{name}}`, `{{{name}}}`, `{{&name}}`,
/// `{{attributes.x}}` — rendered by joining its text with the recipient's values: the output
/// mustache gives for it (tests compare the two), without mustache's per-message context
/// dictionary and reflective look-ups, which were a third of composing a message.
/// Anything else (sections, partials, comments, transforms) is left to mustache.
struct PlainTemplate: Sendable {
    enum Value: Sendable, Equatable {
        case email, locale, timezone, name, firstName, unsubscribeURL
        /// A bare name: a CSV column or another attribute.
        case attribute(String)
        /// `attributes.x`: the attribute only, never a contact field of the same name.
        case attributeOnly(String)
    }

    enum Segment: Sendable, Equatable {
        case text(String)
        case value(Value, escaped: Bool)
    }

    let segments: [Segment]
    private let textLength: Int

    /// nil when `source` uses anything but plain variables, or when mustache would treat its
    /// first line specially (the content-type pragma `MailTemplate` puts before a text part
    /// removes a first line that is blank).
    init?(source: String, escaping: Bool) {
        if !escaping, let first = source.utf8.first, first == 32 || first == 9 || first == 10 || first == 13 { return nil }
        let bytes = Array(source.utf8)
        var segments: [Segment] = []
        var textStart = 0
        var index = 0
        while index + 1 < bytes.count {
            guard bytes[index] == UInt8(ascii: "{"), bytes[index + 1] == UInt8(ascii: "{") else {
                index += 1
                continue
            }
            if textStart < index { segments.append(.text(String(decoding: bytes[textStart..<index], as: UTF8.self))) }
            var cursor = index + 2
            var closing = [UInt8(ascii: "}"), UInt8(ascii: "}")]
            var escaped = escaping
            if cursor < bytes.count, bytes[cursor] == UInt8(ascii: "{") {
                closing.append(UInt8(ascii: "}"))
                escaped = false
                cursor += 1
            } else if cursor < bytes.count, bytes[cursor] == UInt8(ascii: "&") {
                escaped = false
                cursor += 1
            }
            while cursor < bytes.count, bytes[cursor] == 32 || bytes[cursor] == 9 { cursor += 1 }
            let nameStart = cursor
            while cursor < bytes.count, Self.isNameByte(bytes[cursor]) { cursor += 1 }
            let name = String(decoding: bytes[nameStart..<cursor], as: UTF8.self)
            while cursor < bytes.count, bytes[cursor] == 32 || bytes[cursor] == 9 { cursor += 1 }
            guard bytes.count - cursor >= closing.count, bytes[cursor..<(cursor + closing.count)].elementsEqual(closing),
                let value = Self.value(named: name)
            else { return nil }
            segments.append(.value(value, escaped: escaped))
            index = cursor + closing.count
            textStart = index
        }
        if textStart < bytes.count { segments.append(.text(String(decoding: bytes[textStart...], as: UTF8.self))) }
        self.segments = segments
        textLength = segments.reduce(0) { length, segment in
            if case .text(let text) = segment { return length + text.utf8.count }
            return length
        }
    }

    func render(_ values: TemplateValues) -> String {
        var output = ""
        output.reserveCapacity(textLength + 64)
        for segment in segments {
            switch segment {
            case .text(let text):
                output += text
            case .value(let value, let escaped):
                guard let string = Self.string(value, in: values) else { continue }
                if escaped { Self.appendHTMLEscaped(string, to: &output) } else { output += string }
            }
        }
        return output
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."):
            true
        default: false
        }
    }

    private static func value(named name: String) -> Value? {
        switch name {
        case "email": return .email
        case "locale": return .locale
        case "timezone": return .timezone
        case "name": return .name
        case "first_name": return .firstName
        case "unsubscribe_url": return .unsubscribeURL
        // The attributes dictionary itself, and deeper paths, render as mustache renders them.
        case "", "attributes": return nil
        default: break
        }
        if name.hasPrefix("attributes.") {
            let attribute = name.dropFirst("attributes.".count)
            guard !attribute.isEmpty, !attribute.contains(".") else { return nil }
            return .attributeOnly(String(attribute))
        }
        return name.contains(".") ? nil : .attribute(name)
    }

    /// As `TemplateValues.context` resolves a name: the contact's own fields win over an
    /// attribute of the same name, and fields without a value fall back to the attribute.
    private static func string(_ value: Value, in values: TemplateValues) -> String? {
        switch value {
        case .email: values.email
        case .locale: values.locale
        case .timezone: values.timezone
        case .name: values.name ?? values.attributes["name"]
        case .firstName: values.name.map { name in name.split(separator: " ").first.map(String.init) ?? name } ?? values.attributes["first_name"]
        case .unsubscribeURL: values.unsubscribeURL ?? values.attributes["unsubscribe_url"]
        case .attribute(let name), .attributeOnly(let name): values.attributes[name]
        }
    }

    /// Mustache's HTML escaping, character by character as it does it.
    private static func appendHTMLEscaped(_ string: String, to output: inout String) {
        guard string.utf8.contains(where: { $0 == 0x3C || $0 == 0x3E || $0 == 0x26 || $0 == 0x22 || $0 == 0x27 }) else {
            output += string
            return
        }
        for character in string {
            switch character {
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "&": output += "&amp;"
            case "\"": output += "&quot;"
            case "'": output += "&#39;"
            default: output.append(character)
            }
        }
    }
}
