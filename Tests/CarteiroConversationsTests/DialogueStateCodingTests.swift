import CarteiroChat
import Foundation
import Testing

@testable import CarteiroConversations

@Suite struct DialogueStateCodingTests {
    static let states: [DialogueState] = [
        DialogueState(),
        DialogueState(locale: "pt-BR", consecutiveFallbacks: 1, turn: 12),
        DialogueState(locale: "quote \" slash / 😀", turn: 3),
        DialogueState(
            locale: "en",
            activeFlow: .init(
                name: "technician_visit",
                slots: ["period": .init(value: "manha", text: "de manhã"), "address": .init(value: "Rua \"A\", 1", text: "Rua \"A\", 1")],
                reasks: 2), consecutiveFallbacks: 0, turn: 4),
        DialogueState(activeFlow: .init(name: "signup"), turn: 1),
    ]

    @Test func statesAreWrittenAsTheSortedKeyEncoderWritesThem() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        for state in Self.states {
            #expect(DialogueStateCoding.encode(state) == String(decoding: try encoder.encode(state), as: UTF8.self))
        }
    }

    @Test func statesReadBackAsTheyWereWhetherOrNotInAFlow() throws {
        for state in Self.states {
            #expect(DialogueStateCoding.decode(DialogueStateCoding.encode(state)) == state)
        }
        // Written by an earlier version (keys in another order, nulls): still read.
        #expect(
            DialogueStateCoding.decode(#"{"turn":2,"locale":null,"consecutiveFallbacks":1}"#) == DialogueState(consecutiveFallbacks: 1, turn: 2))
        #expect(DialogueStateCoding.decode("not json") == nil)
        #expect(DialogueStateCoding.decode(nil) == nil)
    }
}
