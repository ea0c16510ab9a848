import Foundation
import Testing

@testable import CarteiroMail

/// Compiling a template used to take time in the square of its tags (16,000 tags: 15.6 s), as
/// swift-mustache measures the rest of the text at every tag. Now plain parts never reach
/// mustache, and the others reach it in pieces that it reads exactly as it reads the whole.
@Suite struct TemplateCompilationCostTests {
    static let sources = [
        "Oi {{name}}{{#plano}}, seu plano {{plano}}{{/plano}}{{^plano}} sem plano{{/plano}}.\nLinha 2 {{email}}\n",
        "{{#name}}\n  Olá {{name}},\n{{/name}}\n{{^name}}\n  Olá!\n{{/name}}\nTexto {{! comentário\nem duas linhas }} fim\n",
        "  {{#name}}  \n  x {{name}} y\n  {{/name}}  \r\nz{{{plano}}} {{&plano}} {{ email }}\n{{! só }}\nw {{> parcial}} v\n",
        "<p>{{#attributes}}{{plano}}{{/attributes}}</p>\n<ul>{{#plano}}<li>{{.}}</li>{{/plano}}</ul>\n{ não é tag } {x}\n",
        "a{{name}}b{{name}}c {{#plano}}d{{/plano}} e\n\n\n f {{uppercased(name)}} g\n{{#name}}{{/name}}{{name}}h\n",
        "\nlinha em branco antes {{#plano}}\n{{plano}}\n{{/plano}}\n   \n fim {",
        "x {{#plano}}\n y\n{{/plano}} z\n{{name}} {{! c }}\n  {{#plano}}  \n{{plano}}\n  {{/plano}}\nfim\r\nação {{name}}é\u{301} 👋🏽 {{email}}\n",
        "   \n\t{{^name}}\n\tninguém\n\t{{/name}}\nα{{name}}β{{#name}}γ{{/name}}δ {{{name}}}}\n{{> p}}\n  {{> p}}\n",
    ]

    /// Parts mustache refuses, whole or in pieces, at the same line and column.
    static let refused = [
        "a {{name}} b {{#plano}} c {{/plano}} d {{#plano}} e {{name}} f",
        "linha {{name}}\nx {{#plano}} y {{/name}} z {{name}}\n",
        "ação é {{name}} ü {{#plano}}x{{/plano}} ö {{/plano}} fim",
    ]

    static let values = [
        TemplateValues(email: "ana@example.com", name: "Ana Souza", attributes: ["plano": "Fibra <3> & 'já'"]),
        TemplateValues(email: "bia@example.com", attributes: ["name": "Só atributo"]),
        TemplateValues(email: "c@example.com", name: "", attributes: ["plano": ""]),
    ]

    @Test func aPartReadInPiecesRendersExactlyAsReadWhole() throws {
        for source in Self.sources + Self.refused {
            for escaping in [false, true] {
                for values in Self.values {
                    // One byte per piece: every possible cut is made.
                    let whole: String
                    do {
                        whole = try MailTemplate.renderWithMustache(source, escaping: escaping, values: values)
                    } catch {
                        // Refused in pieces too, at the same place.
                        let inPieces = #expect(throws: TemplateError.self, "mustache refuses it whole: \(error)") {
                            try MailTemplate.renderInPieces(source, escaping: escaping, values: values, pieceBytes: 1)
                        }
                        #expect(inPieces?.line == error.line && inPieces?.column == error.column, "\(error) / \(String(describing: inPieces))")
                        continue
                    }
                    let pieces = try MailTemplate.renderInPieces(source, escaping: escaping, values: values, pieceBytes: 1)
                    #expect(pieces == whole, "\(source.debugDescription), escaping \(escaping)")
                }
            }
        }
        for source in Self.refused {
            #expect(throws: TemplateError.self) { try MailTemplate.renderWithMustache(source, escaping: true, values: Self.values[0]) }
        }
        #expect(try #require(MustacheTagScanner.pieces(of: Self.sources[0], target: 1)).count > 5, "the sources do get cut")
    }

    /// The work mustache does is about each piece's braces times its length: it grows with the
    /// template, not with its square.
    @Test func mustacheWorkGrowsLinearlyWithTheNumberOfTags() throws {
        func work(_ tags: Int) throws -> Int {
            let source = String(repeating: "{{#plano}}Oi {{name}}, {{plano}}{{/plano}} ", count: tags / 4)
            let pieces = try #require(MustacheTagScanner.pieces(of: source))
            #expect(pieces.map(\.text).joined() == source)
            return pieces.reduce(0) { total, piece in
                total + piece.text.utf8.count * piece.text.utf8.reduce(0) { $0 + ($1 == UInt8(ascii: "{") ? 1 : 0) }
            }
        }
        let (small, large) = (try work(16_000), try work(32_000))
        #expect(Double(large) / Double(small) < 2.2, "work \(small) for 16k tags, \(large) for 32k")
    }

    /// Compile time, best of three: twice the tags take about twice the time (four times, before).
    @Test(arguments: ["plain", "sections"])
    func compilingTwiceTheTagsTakesAboutTwiceTheTime(_ kind: String) throws {
        func source(_ tags: Int) -> String {
            kind == "plain"
                ? String(repeating: "Oi {{name}}, {{email}}.\n", count: tags / 2)
                : String(repeating: "{{#plano}}Oi {{name}}, {{plano}}{{/plano}} ", count: tags / 4)
        }
        func seconds(_ tags: Int) throws -> Double {
            let text = source(tags)
            var best = Double.infinity
            for _ in 0..<3 {
                let start = ContinuousClock.now
                _ = try MailTemplate(subject: "x", html: text, text: text, extraVariables: ["plano"])
                best = min(best, (ContinuousClock.now - start) / .seconds(1))
            }
            return best
        }
        let small = try seconds(16_000)
        let large = try seconds(32_000)
        #expect(large / small < 3, "16k tags: \(small) s, 32k tags: \(large) s")
        #expect(large < 5, "32k tags in \(large) s")
    }

    @Test func anOversizePartIsRefusedSayingTheLimit() {
        let error = #expect(throws: TemplateError.self) {
            try MailTemplate(subject: "x", html: nil, text: String(repeating: "a", count: MailTemplate.maximumPartBytes + 1))
        }
        #expect(error?.part == "text")
        #expect(error?.message.contains("at most 512 KB") == true, "\(error?.message ?? "")")
        #expect(throws: Never.self) { try MailTemplate(subject: "x", html: nil, text: String(repeating: "a", count: MailTemplate.maximumPartBytes)) }
    }

    @Test func oneSectionTooLongToReadInOnePieceIsRefusedWhereItStarts() {
        let body = String(repeating: "{{plano}} ", count: 15_000)
        let error = #expect(throws: TemplateError.self) {
            try MailTemplate(subject: "x", html: nil, text: "Oi\n{{#plano}}\n\(body)\n{{/plano}}\n", extraVariables: ["plano"])
        }
        #expect(error?.line == 2)
        #expect(error?.message.contains("split it into smaller sections") == true, "\(error?.message ?? "")")
    }

    @Test func aSyntaxErrorFarDownALongPartIsReportedOnItsOwnLine() {
        let lines = (1...3000).map { "linha \($0) {{#plano}}{{plano}}{{/plano}}" }
        let error = #expect(throws: TemplateError.self) {
            try MailTemplate(
                subject: "x", html: nil, text: (lines + ["erro {{#plano}} sem fim"]).joined(separator: "\n"), extraVariables: ["plano"])
        }
        #expect(error?.line == 3001, "\(String(describing: error))")
    }
}
