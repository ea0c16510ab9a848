import CarteiroChat
import CarteiroJSON
import Foundation

/// The dialogue state as JSON text with sorted keys (kept in the conversation's `botState`),
/// written by hand and, outside a flow, read by hand: the bot reads and writes it at every answer.
enum DialogueStateCoding {
    static func encode(_ state: DialogueState) -> String {
        var json = JSONObjectWriter()
        if let flow = state.activeFlow {
            json.beginObject(key: "activeFlow")
            json.string("name", flow.name)
            json.integer("reasks", flow.reasks)
            json.beginObject(key: "slots")
            for (name, slot) in flow.slots.sorted(by: { $0.key < $1.key }) {
                json.beginObject(key: name)
                json.string("text", slot.text)
                json.string("value", slot.value)
                json.endObject()
            }
            json.endObject()
            json.endObject()
        }
        json.integer("consecutiveFallbacks", state.consecutiveFallbacks)
        json.optional("locale", state.locale)
        json.integer("turn", state.turn)
        return json.finishText()
    }

    static func decode(_ text: String?) -> DialogueState? {
        guard let text else { return nil }
        if let members = FlatJSONObject.parse(text), let state = flat(members) { return state }
        return try? JSONDecoder().decode(DialogueState.self, from: Data(text.utf8))
    }

    /// A state outside any flow: nil for anything else (then `JSONDecoder` reads it).
    private static func flat(_ members: [FlatJSONObject.Member]) -> DialogueState? {
        var state = DialogueState()
        for member in members {
            switch (member.key, member.value) {
            case ("consecutiveFallbacks", .integer(let value)): state.consecutiveFallbacks = value
            case ("turn", .integer(let value)): state.turn = value
            case ("locale", .string(let value)): state.locale = value
            case ("locale", .null): break
            default: return nil
            }
        }
        // Both counters are always written; a state without them is left to the decoder's error.
        guard members.contains(where: { $0.key == "consecutiveFallbacks" }), members.contains(where: { $0.key == "turn" }) else { return nil }
        return state
    }
}
