import CarteiroNLU

/// A small support-bot training set in Brazilian Portuguese and English, with paraphrases kept
/// out of training to check that the classifier generalises.
enum ToyIntents {
    static let training: [(text: String, intent: String)] = [
        ("minha internet caiu", "internet_down"),
        ("estou sem internet desde ontem", "internet_down"),
        ("a internet não está funcionando", "internet_down"),
        ("sem conexão em casa", "internet_down"),
        ("o wifi parou de funcionar", "internet_down"),
        ("my internet is down", "internet_down"),
        ("the internet connection stopped working", "internet_down"),
        ("no internet at home since this morning", "internet_down"),

        ("quero a segunda via do boleto", "billing"),
        ("minha fatura veio com valor errado", "billing"),
        ("quando vence a minha conta", "billing"),
        ("fui cobrado duas vezes na fatura", "billing"),
        ("I need a copy of my bill", "billing"),
        ("my invoice has the wrong amount", "billing"),
        ("when is my bill due", "billing"),
        ("I was charged twice this month", "billing"),

        ("quero cancelar meu plano", "cancel"),
        ("como faço para cancelar a assinatura", "cancel"),
        ("desejo encerrar meu contrato", "cancel"),
        ("cancelamento do serviço", "cancel"),
        ("I want to cancel my plan", "cancel"),
        ("how do I cancel my subscription", "cancel"),
        ("please terminate my contract", "cancel"),
        ("cancel the service", "cancel"),

        ("quero aumentar a velocidade da internet", "upgrade"),
        ("tem plano de fibra mais rápido", "upgrade"),
        ("quero mudar para o plano de 500 mega", "upgrade"),
        ("upgrade do meu plano", "upgrade"),
        ("I want a faster internet plan", "upgrade"),
        ("can I upgrade to 1 gigabit fiber", "upgrade"),
        ("increase my speed", "upgrade"),
        ("change my plan to a faster one", "upgrade"),

        ("quero falar com um atendente", "human_agent"),
        ("me passa para um humano", "human_agent"),
        ("preciso falar com uma pessoa", "human_agent"),
        ("atendimento humano por favor", "human_agent"),
        ("let me talk to a human", "human_agent"),
        ("I want to speak with an agent", "human_agent"),
        ("connect me to a real person", "human_agent"),
        ("customer service representative please", "human_agent"),
    ]

    /// Paraphrases the classifier has not seen, with the intent they express.
    static let heldOut: [(text: String, intent: String)] = [
        ("Minha conexão caiu de novo!", "internet_down"),
        ("the wifi is not working", "internet_down"),
        ("Segunda via da fatura, por favor", "billing"),
        ("why was I charged twice on my bill?", "billing"),
        ("Quero CANCELAR o meu contrato.", "cancel"),
        ("I'd like to cancel my subscription", "cancel"),
        ("quero um plano mais rápido", "upgrade"),
        ("upgrade my internet speed", "upgrade"),
        ("posso falar com um atendente humano?", "human_agent"),
        ("talk to an agent", "human_agent"),
    ]

    /// Texts about nothing the bot handles.
    static let outOfScope = [
        "qual é a receita de bolo de cenoura",
        "who won the football game yesterday",
        "previsão do tempo para amanhã em Recife",
        "tell me a joke about penguins",
    ]
}
