public import CarteiroDomain

/// Carries out a sign-up the bot's flow collected: a pending contact and its confirmation email.
/// The server gives `ConversationService` one built on the sign-up use case.
public protocol ChatSignUps: Sendable {
    func signUp(email: String, name: String?, locale: String, conversationID: ConversationID) async throws -> ChatSignUpResult
}

/// What became of a sign-up asked for in a chat, and what the bot says about it.
public enum ChatSignUpResult: Sendable, Equatable {
    /// The confirmation email is on its way (or went out moments ago): the bot's own reply stands.
    case confirmationSent
    case alreadyConfirmed
    /// The address may not sign up (it complained of our mail, or was erased).
    case refused
    case invalidAddress
    /// Nothing could be stored or sent (or this process sends no mail).
    case failed

    /// The bot's reply in place of the flow's, when the sign-up did not send a confirmation.
    static func reply(to result: ChatSignUpResult, email: String, locale: String) -> String? {
        let english = locale.lowercased().hasPrefix("en")
        switch result {
        case .confirmationSent:
            return nil
        case .alreadyConfirmed:
            return english ? "\(email) is already signed up and confirmed." : "O email \(email) já está cadastrado e confirmado."
        case .refused:
            return english
                ? "I can't sign up \(email). If you need to, ask for an agent."
                : "Não consigo cadastrar o email \(email). Se precisar, peça para falar com um atendente."
        case .invalidAddress:
            return english ? "\(email) doesn't look like an address I can write to." : "O email \(email) não parece um endereço para o qual eu consiga escrever."
        case .failed:
            return english
                ? "I couldn't send the confirmation email right now. Please try again in a few minutes."
                : "Não consegui enviar o email de confirmação agora. Tente de novo em alguns minutos."
        }
    }
}

/// Sends an agent's answer in an email conversation to the customer, threaded with the
/// customer's messages. Sending the same answer again sends nothing more.
public protocol EmailAnswers: Sendable {
    func send(_ answer: ChatMessage, in conversation: ConversationID) async throws
}
