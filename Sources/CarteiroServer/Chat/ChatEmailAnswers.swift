import CarteiroConversations
import CarteiroDomain
import CarteiroMIME
import CarteiroUseCases

/// Agents' answers in email conversations, sent by the email-conversation use case from the
/// configured `--mail-from`.
struct ChatEmailAnswers: EmailAnswers {
    let store: any Store
    let mailFrom: MailAddress

    func send(_ answer: ChatMessage, in conversation: ConversationID) async throws {
        _ = try await EmailConversations(store: store).answer(answer, in: conversation, from: mailFrom)
    }
}
