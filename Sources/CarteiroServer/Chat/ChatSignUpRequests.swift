import CarteiroConversations
import CarteiroDomain
import CarteiroUseCases
import Foundation

/// The bot's sign-ups, carried out by the sign-up use case: a pending contact (source `chat`,
/// with the conversation) and its confirmation email.
struct ChatSignUpRequests: ChatSignUps {
    let store: any Store
    let settings: SignUpMailSettings

    func signUp(email: String, name: String?, locale: String, conversationID: ConversationID) async throws -> ChatSignUpResult {
        let address: EmailAddress
        do {
            address = try ContactAddress(parsing: email).email
        } catch {
            return .invalidAddress
        }
        let request = RequestSignUp.Request(email: address, name: name, locale: locale, source: .chat, conversationID: conversationID)
        switch try await RequestSignUp(store: store, settings: settings).run(request) {
        case .confirmationSent, .confirmationRecentlySent: return .confirmationSent
        case .alreadyConfirmed: return .alreadyConfirmed
        case .refused: return .refused
        }
    }
}
