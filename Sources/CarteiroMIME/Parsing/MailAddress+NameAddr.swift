import Foundation

extension MailAddress {
    /// One address as people write it in configuration and on the command line: a bare
    /// `ofertas@loja.example`, or an RFC 5322 name-addr such as `Loja Exemplo <ofertas@loja.example>`
    /// or `"Souza, Ana" <ana@example.com>` (an encoded word in the name is decoded). The address
    /// is validated as `init(_:displayName:)` does; `displayName` (a `--from-name`) wins over
    /// the written one.
    public init(parsing text: String, displayName: String? = nil, field: String = "address") throws(MIMEError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.contains("<") || trimmed.contains("\"") else {
            try self.init(trimmed, displayName: displayName)
            return
        }
        let found = MailAddress.list(parsing: trimmed)
        guard found.count == 1, let mailbox = found.first else {
            throw MIMEError(
                .invalidAddress, field: field,
                found.isEmpty ? "\(text) holds no address" : "\(text) holds \(found.count) addresses; give one")
        }
        try self.init(mailbox.address, displayName: displayName ?? mailbox.displayName.map { EncodedWord.decode($0) })
    }
}
