import Foundation
import Yams

extension BotDefinition {
    /// Reads, decodes and checks a bot file; `file` names it in errors.
    public static func load(file: String) throws(BotDefinitionError) -> BotDefinition {
        let yaml: String
        do {
            yaml = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw BotDefinitionError(.unreadable, file: file, keyPath: "", "cannot read the file: \(error.localizedDescription)")
        }
        return try parse(yaml: yaml, file: file)
    }

    /// Decodes and checks the YAML text of a bot file; `file` names it in errors.
    public static func parse(yaml: String, file: String) throws(BotDefinitionError) -> BotDefinition {
        let raw: BotFile
        do {
            raw = try YAMLDecoder().decode(BotFile.self, from: yaml)
        } catch let error as DecodingError {
            throw decodingFailure(error, file: file)
        } catch {
            let reason = oneLine(String(describing: error))
            throw BotDefinitionError(.syntax, file: file, keyPath: "", "not valid YAML: \(reason)")
        }
        var validator = BotDefinitionValidator(file: file)
        return try validator.validate(raw)
    }

    private static func decodingFailure(_ error: DecodingError, file: String) -> BotDefinitionError {
        func path(_ keys: [any CodingKey]) -> String {
            keys.reduce(into: "") { path, key in
                if let index = key.intValue, key.stringValue == "\(index)" || key.stringValue.hasPrefix("Index") {
                    path += "[\(index)]"
                } else {
                    path += path.isEmpty ? key.stringValue : "." + key.stringValue
                }
            }
        }
        switch error {
        case .keyNotFound(let key, let context):
            return BotDefinitionError(.invalidValue, file: file, keyPath: path(context.codingPath + [key]), "missing")
        case .typeMismatch(let type, let context):
            return BotDefinitionError(.invalidValue, file: file, keyPath: path(context.codingPath), "expected \(describe(type))")
        case .valueNotFound(let type, let context):
            return BotDefinitionError(.invalidValue, file: file, keyPath: path(context.codingPath), "expected \(describe(type)), found nothing")
        case .dataCorrupted(let context) where context.codingPath.isEmpty && context.underlyingError != nil:
            // Yams wraps its parser's errors (line and column included) this way.
            let reason = oneLine(String(describing: context.underlyingError!))
            return BotDefinitionError(.syntax, file: file, keyPath: "", "not valid YAML: \(reason)")
        case .dataCorrupted(let context):
            return BotDefinitionError(.invalidValue, file: file, keyPath: path(context.codingPath), oneLine(context.debugDescription))
        @unknown default:
            return BotDefinitionError(.invalidValue, file: file, keyPath: "", oneLine("\(error)"))
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "text"
        case is Int.Type: "a whole number"
        case is Double.Type: "a number"
        case is Bool.Type: "true or false"
        case is [String].Type, is [Any].Type: "a list"
        default: "a mapping"
        }
    }

    private static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: " ")
    }
}
