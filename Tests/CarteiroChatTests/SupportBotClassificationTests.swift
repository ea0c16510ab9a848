import CarteiroChat
import Testing

/// support.yml's classifier on paraphrases that are not in the file, and on questions it has no
/// intent for, at the file's own `nlu.threshold`.
@Suite struct SupportBotClassificationTests {
    static let paraphrases: [(String, String)] = [
        ("olá, bom dia, tudo certo?", "greeting"),
        ("valeu pela ajuda, tchau", "goodbye"),
        ("preciso da segunda via do meu boleto", "invoice_copy"),
        ("minha fatura desse mês não chegou no email", "invoice_copy"),
        ("estão me cobrando um valor que eu não reconheço", "billing_dispute"),
        ("a conta desse mês veio muito cara, está errada", "billing_dispute"),
        ("já fiz o pagamento, vocês já receberam?", "payment_status"),
        ("paguei o boleto ontem, já foi compensado?", "payment_status"),
        ("a internet caiu aqui em casa", "no_connection"),
        ("o roteador está com a luz vermelha e nada funciona", "no_connection"),
        ("a internet está muito lenta hoje", "slow_connection"),
        ("a velocidade está bem abaixo do que eu contratei", "slow_connection"),
        ("quero trocar meu plano por um mais rápido", "plan_change"),
        ("quais são os planos disponíveis?", "plan_change"),
        ("quero cancelar meu contrato de internet", "cancel_service"),
        ("como eu faço o cancelamento do serviço?", "cancel_service"),
        ("preciso que um técnico venha na minha casa", "technician_visit"),
        ("dá para agendar a visita de um técnico?", "technician_visit"),
        ("quero conversar com um atendente humano", "human_agent"),
        ("me passa para uma pessoa de verdade", "human_agent"),
        ("quero me inscrever para receber promoções", "signup"),
        ("quero cadastrar meu email para receber novidades", "signup"),
        ("hey, good evening", "greeting"),
        ("thanks a lot, bye", "goodbye"),
        ("can you send me a copy of my bill?", "invoice_copy"),
        ("I never got this month's invoice", "invoice_copy"),
        ("I was overcharged on my bill", "billing_dispute"),
        ("there is a charge on my invoice I don't recognise", "billing_dispute"),
        ("has my payment been confirmed?", "payment_status"),
        ("my internet is not working at all", "no_connection"),
        ("my connection is really slow", "slow_connection"),
        ("I want to upgrade to the 1 giga plan", "plan_change"),
        ("I want to cancel my subscription", "cancel_service"),
        ("please send a technician to fix my router", "technician_visit"),
        ("can I speak to a real person?", "human_agent"),
        ("I'd like to sign up for your newsletter", "signup"),
    ]

    static let outOfScope = [
        "qual a capital da França?",
        "me conta uma piada",
        "quem ganhou o jogo do Flamengo?",
        "qual a receita de bolo de cenoura?",
        "vai chover amanhã em São Paulo?",
        "what is the capital of France?",
        "tell me a joke",
        "who won the world cup in 2002?",
        "how do I bake sourdough bread?",
        "recommend me a good movie",
    ]

    @Test func theParaphrasesAreNotTrainingExamples() {
        let examples = Set(SupportBot.bot.definition.trainingExamples.map { $0.text.lowercased() })
        #expect(Self.paraphrases.count >= 30)
        #expect(Self.paraphrases.allSatisfy { !examples.contains($0.0.lowercased()) })
        #expect(Set(Self.paraphrases.map(\.1)) == Set(SupportBot.bot.definition.intents.keys), "every intent is covered")
    }

    @Test func atLeastNinetyPercentOfHeldOutParaphrasesGetTheirIntent() {
        let misses = Self.paraphrases.compactMap { text, intent -> String? in
            let result = SupportBot.bot.classify(text)
            return result.intent == intent ? nil : "\(text) → \(result.intent ?? "none") (\(result.confidence)), expected \(intent)"
        }
        let hitRate = Double(Self.paraphrases.count - misses.count) / Double(Self.paraphrases.count)
        print("paraphrase hit rate: \(hitRate) (\(Self.paraphrases.count - misses.count)/\(Self.paraphrases.count)); misses: \(misses)")
        #expect(hitRate >= 0.9, "\(misses)")
    }

    @Test func atLeastEightyPercentOfOutOfScopeTextsFallBack() {
        let claimed = Self.outOfScope.compactMap { text -> String? in
            let result = SupportBot.bot.classify(text)
            return result.intent.map { "\(text) → \($0) (\(result.confidence))" }
        }
        let fallbackRate = Double(Self.outOfScope.count - claimed.count) / Double(Self.outOfScope.count)
        print("out-of-scope fallback rate: \(fallbackRate); claimed: \(claimed)")
        #expect(fallbackRate >= 0.8, "\(claimed)")
    }

    @Test func trainingIsRepeatable() throws {
        let again = try Bot(definition: SupportBot.bot.definition)
        for (text, _) in Self.paraphrases.prefix(5) {
            #expect(again.classify(text).confidence == SupportBot.bot.classify(text).confidence)
        }
    }
}
