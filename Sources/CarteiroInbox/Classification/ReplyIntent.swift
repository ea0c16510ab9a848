/// What a person's typed reply asks for, judged on the reply text only (never on the quoted original).
enum ReplyIntent: Equatable {
    case confirm
    case decline
    case unsubscribe

    /// Phrases asking to leave a list: anywhere in the reply, since a request to stop mailing is
    /// honoured even inside a longer message. Folded (lowercase, no accents), as word sequences.
    static let unsubscribePhrases: [[Substring]] = [
        "unsubscribe", "descadastrar", "descadastre", "descadastra", "descadastro", "cancelar inscricao", "cancelar a inscricao",
        "cancelar minha inscricao", "cancele minha inscricao", "cancelar assinatura", "remover da lista", "remova me", "remove me",
        "remova meu email",
        "me remova", "me tire da lista", "tirar da lista", "sair da lista", "nao quero mais receber", "nao quero receber", "parar de receber",
        "pare de enviar", "pare de me enviar", "take me off", "opt out", "optout", "darse de baja", "dar de baja",
    ].map { $0.split(separator: " ") }

    /// Words that ask to leave a list only when they are the answer ("STOP"), not anywhere
    /// ("when will the outage stop?").
    static let unsubscribeAnswers: [[Substring]] = ["stop", "unsub", "pare", "parar", "sair", "remover", "remove", "cancelar inscricao"].map {
        $0.split(separator: " ")
    }

    /// Confirming answers: the reply's first words.
    static let confirmPhrases: [[Substring]] = [
        "sim", "s", "yes", "y", "yep", "yeah", "ok", "okay", "confirmo", "confirmado", "confirmada", "confirmar", "confirm", "confirmed", "claro",
        "aceito", "quero", "si", "oui", "isso", "pode", "pode ser", "certo", "com certeza", "positivo", "de acordo", "concordo", "sure", "i confirm",
        "eu confirmo", "i agree", "agree", "accept", "i accept",
    ].map { $0.split(separator: " ") }

    /// Declining answers: the reply's first words.
    static let declinePhrases: [[Substring]] = [
        "nao", "n", "no", "nope", "cancelar", "cancela", "cancele", "cancel", "recuso", "nao quero", "nao confirmo", "negativo", "decline",
        "i decline", "not interested", "nao tenho interesse", "sem interesse", "nunca", "never", "nao obrigado", "no thanks", "no thank you",
    ].map { $0.split(separator: " ") }

    /// Short answers only: a longer text that starts with "sim" is a question or a story, not a confirmation.
    static let maximumAnswerWords = 12

    static func judge(_ replyText: String) -> ReplyIntent? {
        let words = TextFolding.words(replyText)
        guard !words.isEmpty else { return nil }
        if contains(unsubscribePhrases, in: words) { return .unsubscribe }
        // The answer is on the first non-empty line: what follows is a greeting or a signature.
        let firstLine = ReplyExtractor.normalizedLines(replyText).first { !ReplyExtractor.isBlank($0) } ?? ""
        let answer = TextFolding.words(firstLine)
        guard !answer.isEmpty else { return nil }
        if startsWith(unsubscribeAnswers, answer) { return .unsubscribe }
        guard answer.count <= maximumAnswerWords else { return nil }
        let declines = startsWith(declinePhrases, answer)
        // "Ok, mas não quero" is no confirmation: a negation anywhere in the answer withholds it.
        let negated = answer.contains { $0 == "nao" || $0 == "no" || $0 == "not" || $0 == "cancelar" || $0 == "cancel" }
        let confirms = startsWith(confirmPhrases, answer) && !negated
        switch (confirms, declines) {
        case (true, false): return .confirm
        case (false, true): return .decline
        default: return nil
        }
    }

    private static func startsWith(_ phrases: [[Substring]], _ words: [Substring]) -> Bool {
        phrases.contains { words.starts(with: $0) }
    }

    private static func contains(_ phrases: [[Substring]], in words: [Substring]) -> Bool {
        for phrase in phrases where phrase.count <= words.count {
            for start in 0...(words.count - phrase.count) where words[start] == phrase[0] {
                if words[start..<(start + phrase.count)].elementsEqual(phrase) { return true }
            }
        }
        return false
    }
}
