import Crypto
import Foundation

extension EmailAddress {
    /// SHA-256 of the canonical address, in lower-case hex: what an erased contact keeps, so the
    /// address can be recognised (and refused) without being stored.
    public var erasureHash: String {
        SHA256.hash(data: Data(canonical.utf8)).map { byte in
            let digits: [Character] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "a", "b", "c", "d", "e", "f"]
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
        }.joined()
    }
}
