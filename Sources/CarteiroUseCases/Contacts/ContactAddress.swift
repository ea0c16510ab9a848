public import CarteiroDomain
import CarteiroMIME

/// An address as people write it in a form or a CSV cell: `ana@example.com` or
/// `Ana Souza <ana@example.com>` (the display name is kept as a name).
public struct ContactAddress: Sendable, Hashable {
    public let email: EmailAddress
    public let displayName: String?

    public init(parsing text: String, field: String = "email") throws(ValidationError) {
        // Nearly every cell is a bare address: no name-addr parse then.
        if !text.contains("<"), !text.contains("\"") {
            email = try EmailAddress(text, field: field)
            displayName = nil
            return
        }
        let mailbox: MailAddress
        do {
            mailbox = try MailAddress(parsing: text, field: field)
        } catch {
            throw ValidationError(field: field, reason: error.message)
        }
        email = try EmailAddress(mailbox.address, field: field)
        displayName = mailbox.displayName
    }
}
