import CarteiroDomain
import Foundation

/// A job's template variables as the `email_jobs.variables` column keeps them: for each pair,
/// in key order, the key's UTF-8 length (LEB128), its bytes, then the value's length and bytes;
/// no variables is NULL. Every claimed job is read through this, so it is a format with nothing
/// to parse (decoding a JSON body was most of a claim's cost).
enum SQLiteJobVariables {
    static func encode(_ variables: [String: String]) -> Data? {
        guard !variables.isEmpty else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(variables.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count + 4 })
        for key in variables.keys.sorted() {
            append(key, to: &bytes)
            append(variables[key]!, to: &bytes)
        }
        return Data(bytes)
    }

    static func decode(_ data: Data?) throws(StoreError) -> [String: String] {
        guard let data, !data.isEmpty else { return [:] }
        let result: [String: String]? = data.withUnsafeBytes { buffer in
            var variables: [String: String] = [:]
            var offset = 0
            while offset < buffer.count {
                guard let key = string(in: buffer, at: &offset), let value = string(in: buffer, at: &offset) else { return nil }
                variables[key] = value
            }
            return variables
        }
        guard let result else { throw StoreError(.corrupt, "an email job's variables are truncated") }
        return result
    }

    private static func append(_ string: String, to bytes: inout [UInt8]) {
        var length = UInt(string.utf8.count)
        repeat {
            let low = UInt8(length & 0x7F)
            length >>= 7
            bytes.append(length == 0 ? low : low | 0x80)
        } while length != 0
        bytes.append(contentsOf: string.utf8)
    }

    private static func string(in buffer: UnsafeRawBufferPointer, at offset: inout Int) -> String? {
        var length = 0
        var shift = 0
        while true {
            guard offset < buffer.count, shift < 63 else { return nil }
            let byte = buffer[offset]
            offset += 1
            length |= Int(byte & 0x7F) << shift
            if byte & 0x80 == 0 { break }
            shift += 7
        }
        guard length <= buffer.count - offset else { return nil }
        let string = String(decoding: UnsafeRawBufferPointer(rebasing: buffer[offset..<(offset + length)]), as: UTF8.self)
        offset += length
        return string
    }
}
