extension ChatMessage.Notice {
    /// What the customer reads when the owner or status of a conversation changes, in its locale.
    public func text(agent: String?, locale: String) -> String {
        let english = locale.lowercased().hasPrefix("en")
        switch self {
        case .queued:
            return english ? "Waiting for an agent." : "Aguardando um atendente."
        case .assigned:
            let name = agent ?? (english ? "an agent" : "um atendente")
            return english ? "You are now talking to \(name)." : "Você agora está falando com \(name)."
        case .returnedToBot:
            return english ? "You are back with the virtual assistant." : "Você voltou para o assistente virtual."
        case .closed:
            return english ? "This conversation was closed." : "Esta conversa foi encerrada."
        }
    }
}
