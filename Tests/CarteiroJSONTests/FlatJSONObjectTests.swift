import CarteiroJSON
import Foundation
import Testing

@Suite("Flat JSON objects read by hand")
struct FlatJSONObjectTests {
    @Test func membersComeBackInOrderWithTheirValues() throws {
        let text = #" { "type" : "message", "sequence": -12, "ok": true, "no": false, "gone": null, "quick_replies": ["a", "b c"], "empty": [] } "#
        let members = try #require(FlatJSONObject.parse(text))
        #expect(members.map(\.key) == ["type", "sequence", "ok", "no", "gone", "quick_replies", "empty"])
        #expect(
            members.map(\.value) == [
                .string("message"), .integer(-12), .bool(true), .bool(false), .null, .strings(["a", "b c"]), .strings([]),
            ])
        #expect(FlatJSONObject.parse("{}") == [])
        let numbers = try #require(FlatJSONObject.parse(#"{"a":0,"b":-0.25,"c":1e3,"d":2.5E-3,"e":0.87341}"#))
        #expect(numbers.map(\.value) == [.integer(0), .number(-0.25), .number(1000), .number(0.0025), .number(0.87341)])
    }

    @Test func escapesDecodeAsJSONSerializationDecodesThem() throws {
        let text = #"{"text":"aspas \" barra \\ e \/ nova\nlinha\ttab \u00e9 \ud83d\ude00 çã"}"#
        let members = try #require(FlatJSONObject.parse(text))
        let reference = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(members.map(\.key) == ["text"])
        #expect(members.map(\.value) == [.string(try #require(reference["text"] as? String))])
    }

    @Test(
        "anything else is left to JSONDecoder",
        arguments: [
            #"{"a":{"b":1}}"#, #"{"a":[1]}"#, #"{"a":1.}"#, #"{"a":1e}"#, #"{"a":.5}"#, #"{"a":01}"#, #"{"a":-01.5}"#, #"{"a":1,"a":2}"#, #"{"a":1} x"#, #"{"a":"x}"#,
            "{\"a\":\"tab\there\"}", #"{"a":"\q"}"#, #"{"a":"\ud83d"}"#, #"{"a":99999999999999999999}"#, #"{"a":-}"#, #"{"a":tru}"#,
            #"["a"]"#, #"{"a" 1}"#, #"{"a":1,}"#, "",
        ])
    func parseGivesUp(on text: String) {
        #expect(FlatJSONObject.parse(text) == nil)
    }
}
