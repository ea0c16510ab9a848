import CarteiroChat
import CarteiroDomain
import Foundation
import Testing

/// Conversations with the shipped support bot: answers, flows, fallbacks and hand-offs.
@Suite struct DialogueEngineTests {
    let bot = SupportBot.bot
    let portuguese = DialogueState(locale: "pt-BR")

    private func ask(_ flow: String, _ slot: String, _ locale: String = "pt-BR", reask: Bool = false) -> String {
        let slot = bot.definition.flows[flow]!.slots.first { $0.name == slot }!
        return (reask ? slot.reask : slot.ask).render(locale: locale, pick: 0)
    }

    @Test func technicianVisitReasksAnInvalidAddressThenBooksTheAfternoon() throws {
        let turns = SupportBot.conversation(
            ["quero agendar uma visita técnica", "rua 5", "Rua das Flores, 123, Centro", "pode ser de tarde"], state: portuguese)
        #expect(turns[0].detectedIntent == "technician_visit")
        #expect(turns[0].replies.map(\.text) == [ask("technician_visit", "address")])
        #expect(turns[0].state.activeFlow?.name == "technician_visit")

        #expect(turns[1].replies.map(\.text) == [ask("technician_visit", "address", reask: true)])
        #expect(turns[1].state.activeFlow?.reasks == 1)
        #expect(turns[1].handoff == nil)

        #expect(turns[2].replies.map(\.text) == [ask("technician_visit", "period")])
        #expect(turns[2].replies.first?.quickReplies == ["Manhã", "Tarde", "Noite"])
        #expect(turns[2].state.activeFlow?.slots["address"]?.value == "Rua das Flores, 123, Centro")

        let done = turns[3]
        #expect(done.state.activeFlow == nil)
        #expect(
            done.replies.map(\.text) == [
                "Visita técnica pedida para Rua das Flores, 123, Centro, no período da tarde. Você recebe a confirmação por SMS."
            ])
        #expect(
            done.effects.contains(.flowCompleted(name: "technician_visit", slots: ["address": "Rua das Flores, 123, Centro", "period": "afternoon"])))
        #expect(
            done.actions == [.custom(event: "technician_visit_requested", values: ["address": "Rua das Flores, 123, Centro", "period": "afternoon"])])
    }

    @Test func signupFlowEmitsContactSignedUpWithTheEmail() {
        let turns = SupportBot.conversation(["quero me cadastrar", "claro, é joana.silva@exemplo.com.br"], state: portuguese)
        #expect(turns[0].detectedIntent == "signup")
        #expect(turns[0].replies.map(\.text) == [ask("signup", "email")])
        #expect(turns[1].actions == [.contactSignedUp(email: "joana.silva@exemplo.com.br", locale: "pt-BR")])
        #expect(turns[1].replies.first?.text.contains("joana.silva@exemplo.com.br") == true)
        #expect(turns[1].state.activeFlow == nil)
    }

    @Test func anEmailInTheFirstMessageFillsTheSlotAtOnce() {
        let turn = bot.respond(to: "quero me cadastrar, meu email é ana@exemplo.com", state: portuguese)
        #expect(turn.actions == [.contactSignedUp(email: "ana@exemplo.com", locale: "pt-BR")])
    }

    @Test func twoInvalidAnswersToASlotHandOff() {
        let turns = SupportBot.conversation(["quero me cadastrar", "não sei", "sei lá"], state: portuguese)
        #expect(turns[1].replies.map(\.text) == [ask("signup", "email", reask: true)])
        #expect(turns[1].handoff == nil)
        #expect(turns[2].handoff == .slotNotFilled(flow: "signup", slot: "email"))
        #expect(turns[2].replies.map(\.text) == [bot.definition.fallbackHandoff.render(locale: "pt-BR", pick: 0)])
        #expect(turns[2].state.activeFlow == nil)
    }

    @Test func twoConsecutiveFallbacksHandOff() {
        let turns = SupportBot.conversation(["qual a capital da França?", "me conta uma piada"], state: portuguese)
        #expect(turns[0].detectedIntent == nil)
        #expect(turns[0].handoff == nil)
        #expect(turns[0].state.consecutiveFallbacks == 1)
        #expect(turns[1].handoff == .fallbacks)
        #expect(turns[1].replies.map(\.text) == [bot.definition.fallbackHandoff.render(locale: "pt-BR", pick: 0)])
    }

    @Test func anUnderstoodMessageResetsTheFallbackCount() {
        let turns = SupportBot.conversation(["qual a capital da França?", "estou sem internet", "me conta uma piada"], state: portuguese)
        #expect(turns[1].detectedIntent == "no_connection")
        #expect(turns[1].state.consecutiveFallbacks == 0)
        #expect(turns[2].handoff == nil)
    }

    @Test func humanAgentHandsOffAfterAnswering() {
        let turn = bot.respond(to: "quero conversar com um atendente de verdade", state: portuguese)
        #expect(turn.detectedIntent == "human_agent")
        #expect(turn.handoff == .intent("human_agent"))
        #expect(turn.replies.first?.text.contains("atendente") == true)
    }

    @Test func aHandoffIntentAnswersThenHandsOff() {
        let turn = bot.respond(to: "fui cobrado duas vezes na mesma fatura", state: portuguese)
        #expect(turn.detectedIntent == "billing_dispute")
        #expect(turn.replies.count == 1)
        #expect(turn.handoff == .intent("billing_dispute"))
    }

    @Test func aDifferentIntentMidFlowChangesTheTopic() {
        let turns = SupportBot.conversation(["quero agendar uma visita técnica", "na verdade quero a segunda via da fatura"], state: portuguese)
        #expect(turns[0].state.activeFlow != nil)
        #expect(turns[1].detectedIntent == "invoice_copy")
        #expect(turns[1].state.activeFlow == nil)
        #expect(turns[1].effects.contains { if case .flowCompleted = $0 { true } else { false } } == false)
    }

    @Test func theExpectedEntityKeepsTheFlowEvenWhenAnotherIntentIsLikely() {
        // "boa tarde" is a greeting example, but here it answers the period question.
        let turns = SupportBot.conversation(["preciso de um técnico", "Avenida Paulista, 1000, Bela Vista", "boa tarde"], state: portuguese)
        #expect(turns[2].detectedIntent == nil)
        #expect(
            turns[2].effects.contains(
                .flowCompleted(name: "technician_visit", slots: ["address": "Avenida Paulista, 1000, Bela Vista", "period": "afternoon"])))
    }

    @Test func anEnglishConversationIsDetectedAndAnsweredInEnglish() {
        let turns = SupportBot.conversation([
            "hello there", "I need a technician to come over", "42 Baker Street, Downtown", "in the afternoon please",
        ])
        #expect(turns[0].state.locale == "en")
        #expect(turns[0].detectedIntent == "greeting")
        #expect(turns[0].replies.first?.quickReplies == ["Copy of my invoice", "My internet is down", "Talk to an agent"])
        #expect(turns[1].replies.map(\.text) == [ask("technician_visit", "address", "en")])
        #expect(turns[2].replies.map(\.text) == [ask("technician_visit", "period", "en")])
        #expect(
            turns[3].replies.map(\.text) == [
                "Technician visit requested at 42 Baker Street, Downtown, in the afternoon. You'll get a text message to confirm."
            ])
    }

    @Test func thePortugueseLocaleIsDetectedFromAccentsAndWords() {
        #expect(bot.respond(to: "não consigo acessar a internet").state.locale == "pt-BR")
        #expect(bot.respond(to: "my bill is wrong").state.locale == "en")
    }

    @Test func planEntitiesFillTheResponseAndTheAction() {
        let turn = bot.respond(to: "quero mudar para o plano de 600 mega", state: portuguese)
        #expect(turn.detectedIntent == "plan_change")
        #expect(turn.replies.first?.text.contains("600 mega") == true)
        #expect(turn.actions == [.custom(event: "plan_change_requested", values: ["plan": "fibra_600"])])
    }

    @Test func responseVariantsArePickedByTurnSoReplaysMatch() {
        let first = SupportBot.conversation(["oi", "oi", "oi"], state: portuguese).map { $0.replies.map(\.text) }
        let again = SupportBot.conversation(["oi", "oi", "oi"], state: portuguese).map { $0.replies.map(\.text) }
        #expect(first == again)
        #expect(first[0] != first[1], "two variants alternate")
    }

    @Test func theDialogueStateRoundTripsThroughJSON() throws {
        let turns = SupportBot.conversation(["preciso de um técnico", "Rua Augusta, 500, Consolação"], state: portuguese)
        let data = try JSONEncoder().encode(turns[1].state)
        #expect(try JSONDecoder().decode(DialogueState.self, from: data) == turns[1].state)
    }
}

extension DialogueEngineTests {
    @Test func aHandoffTurnBecomesIntentAndHandoffEvents() {
        let turn = bot.respond(to: "quero falar com um atendente", state: portuguese)
        let conversation = ConversationID()
        let events = turn.chatEvents(conversationID: conversation, contactID: nil)
        #expect(events.count == 2)
        guard case .chatIntentDetected(let detected) = events.first, case .chatHandoffRequested(let handoff) = events.last else {
            Issue.record("unexpected events \(events)")
            return
        }
        #expect(detected.intent == "human_agent" && detected.conversationID == conversation)
        #expect(handoff.reason == "intent:human_agent")
    }
}
