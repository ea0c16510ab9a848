import CarteiroDomain
import CarteiroMail
import CarteiroTesting
import Foundation
import Testing

/// `carteiro send` reads a recipient file a chunk at a time: rows, quoted fields and multi-byte
/// characters cut by a chunk boundary read exactly as the whole text does.
@Suite struct RecipientFileStreamingTests {
    @Test func rowsCutByEveryChunkBoundaryReadAsTheWholeTextDoes() throws {
        let text =
            "\u{FEFF}email,name,endereco\r\nana@example.com,\"Souza, Ana \"\"Aninha\"\"\",\"Rua A, 1\nApto 2\"\r\n\njose@example.com,José Ñúñez 🎄,x\nrui@example.com,Rui,\"\"\n"
        let whole = try RecipientCSV.parse(text)
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let file = folder.url.appendingPathComponent("list.csv")
        try text.write(to: file, atomically: true, encoding: .utf8)
        for chunkSize in 1...12 {
            var reader = try RecipientCSVReader(file: try FileHandle(forReadingFrom: file), chunkSize: chunkSize)
            var rows: [RecipientCSV.Row] = []
            while let row = try reader.next() { rows.append(row) }
            #expect(reader.columns == ["email", "name", "endereco"], "chunk size \(chunkSize)")
            #expect(rows == whole.rows, "chunk size \(chunkSize)")
        }
        #expect(whole.rows.map(\.line) == [2, 5, 6])
        #expect(whole.rows[1].name == "José Ñúñez 🎄")
    }

    @Test func invalidUTF8IsReportedWithItsLine() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let file = folder.url.appendingPathComponent("list.csv")
        try Data("email,name\nana@example.com,Ana\nrui@example.com,R".utf8 + [0xFF] + Data("i\n".utf8)).write(to: file)
        var reader = try RecipientCSVReader(file: try FileHandle(forReadingFrom: file))
        #expect(try reader.next()?.email.value == "ana@example.com")
        let error = #expect(throws: RecipientListError.self) { try reader.next() }
        #expect(error?.line == 3)
    }
}
