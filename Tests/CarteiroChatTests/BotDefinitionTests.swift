import Foundation
import Testing

@testable import CarteiroChat

/// Bot files: support.yml loads whole; each kind of mistake is reported with the file and key path.
@Suite struct BotDefinitionTests {
    static let mini = #"""
        name: mini
        default_locale: pt-BR
        locales: [pt-BR, en]
        nlu: {threshold: 0.3}
        policy: {handoff_intent: agent, max_consecutive_fallbacks: 2}
        entities:
          email: {regex: '[a-z]+@[a-z]+\.[a-z]+'}
          period:
            values:
              morning: {pt-BR: [manhã], en: [morning]}
        intents:
          hello:
            examples: {pt-BR: [oi, olá], en: [hi, hello]}
            responses: {pt-BR: ["Olá!"], en: ["Hello!"]}
          agent:
            examples: {pt-BR: [atendente], en: [agent]}
            responses: {pt-BR: ["Já chamo."], en: ["Getting one."]}
            handoff: true
          signup:
            examples: {pt-BR: [cadastro], en: [sign up]}
            flow: signup
        flows:
          signup:
            slots:
              - name: email
                entity: email
                ask: {pt-BR: ["Email?"], en: ["Email?"]}
                reask: {pt-BR: ["De novo?"], en: ["Again?"]}
            done:
              responses: {pt-BR: ["Ok {{email}}"], en: ["Done {{email}}"]}
              action: {event: contact.signed_up}
        fallback:
          responses: {pt-BR: ["Hein?"], en: ["What?"]}
          handoff: {pt-BR: ["Atendente."], en: ["Agent."]}
        """#

    private func error(replacing old: String, with new: String) throws -> BotDefinitionError {
        let yaml = Self.mini.replacingOccurrences(of: old, with: new)
        #expect(yaml != Self.mini, "the mutation must change the file")
        return try #require(throws: BotDefinitionError.self) { try BotDefinition.parse(yaml: yaml, file: "bots/mini.yml") }
    }

    @Test func supportBotLoadsWithTwelveIntentsTwoLocalesAndItsFlows() throws {
        let definition = try BotDefinition.load(file: SupportBot.file)
        #expect(definition.intents.count == 12)
        #expect(definition.locales == ["pt-BR", "en"])
        #expect(definition.defaultLocale == "pt-BR")
        #expect(definition.handoffIntent == "human_agent")
        #expect(definition.maxConsecutiveFallbacks == 2)
        #expect(definition.flows["technician_visit"]?.slots.map(\.name) == ["address", "period"])
        #expect(definition.flows["technician_visit"]?.slots.first?.minLength == 8)
        #expect(definition.flows["signup"]?.action == "contact.signed_up")
        #expect(definition.intents["billing_dispute"]?.handoff == true)
        #expect(definition.entities["period"]?.label(of: "afternoon", locale: "pt-BR") == "tarde")
        #expect(definition.trainingExamples.count == definition.intents.values.reduce(0) { $0 + $1.examples.values.reduce(0) { $0 + $1.count } })
    }

    @Test func aMinimalFileLoadsAndRendersItsTemplates() throws {
        let definition = try BotDefinition.parse(yaml: Self.mini, file: "bots/mini.yml")
        #expect(definition.flows["signup"]?.doneResponses.render(locale: "en", pick: 0, values: ["email": "a@b.io"]) == "Done a@b.io")
        #expect(definition.interruptThreshold >= definition.threshold)
    }

    @Test func anIntentNamingAnUnknownFlowIsReportedAtItsKey() throws {
        let error = try error(replacing: "flow: signup", with: "flow: sign_up")
        #expect(error.code == .unknownReference)
        #expect(error.keyPath == "intents.signup.flow")
        #expect(error.description == "bots/mini.yml: intents.signup.flow: unknown flow 'sign_up'")
    }

    @Test func anUnknownHandoffIntentIsReported() throws {
        let error = try error(replacing: "handoff_intent: agent", with: "handoff_intent: humano")
        #expect(error.code == .unknownReference)
        #expect(error.keyPath == "policy.handoff_intent")
    }

    @Test func aSlotNamingAnUnknownEntityIsReported() throws {
        let error = try error(replacing: "entity: email", with: "entity: mail")
        #expect(error.code == .unknownReference)
        #expect(error.keyPath == "flows.signup.slots[0].entity")
    }

    @Test func aLocaleMissingTextsIsReported() throws {
        let error = try error(replacing: #"responses: {pt-BR: ["Olá!"], en: ["Hello!"]}"#, with: #"responses: {pt-BR: ["Olá!"]}"#)
        #expect(error.code == .missingLocale)
        #expect(error.keyPath == "intents.hello.responses")
        #expect(error.message.contains("en"))
    }

    @Test func aValueListMissingALocaleIsReported() throws {
        let error = try error(replacing: "morning: {pt-BR: [manhã], en: [morning]}", with: "morning: {pt-BR: [manhã]}")
        #expect(error.code == .missingLocale)
        #expect(error.keyPath == "entities.period.values.morning")
    }

    @Test func aBadRegexIsReported() throws {
        let error = try error(replacing: #"'[a-z]+@[a-z]+\.[a-z]+'"#, with: "'[a-z+@(('")
        #expect(error.code == .badRegex)
        #expect(error.keyPath == "entities.email.regex")
    }

    @Test func emptyExamplesAreReported() throws {
        let error = try error(replacing: "examples: {pt-BR: [atendente], en: [agent]}", with: "examples: {pt-BR: [atendente], en: []}")
        #expect(error.code == .emptyExamples)
        #expect(error.keyPath == "intents.agent.examples.en")
    }

    @Test func anIntentWithoutExamplesIsReported() throws {
        let error = try error(replacing: "examples: {pt-BR: [cadastro], en: [sign up]}\n", with: "")
        #expect(error.code == .emptyExamples)
        #expect(error.keyPath == "intents.signup.examples")
    }

    @Test func aTemplateThatDoesNotCompileIsReported() throws {
        let error = try error(replacing: "Done {{email}}", with: "Done {{#email}} no end")
        #expect(error.code == .badTemplate)
        #expect(error.keyPath == "flows.signup.done.responses.en[0]")
    }

    @Test func aValueOfTheWrongTypeIsReportedAtItsKey() throws {
        let error = try error(replacing: "threshold: 0.3", with: "threshold: high")
        #expect(error.code == .invalidValue)
        #expect(error.keyPath == "nlu.threshold")
    }

    @Test func aMissingRequiredKeyIsReported() throws {
        let error = try error(replacing: "default_locale: pt-BR\n", with: "")
        #expect(error.code == .invalidValue)
        #expect(error.keyPath == "default_locale")
    }

    @Test func aThresholdOutOfRangeIsReported() throws {
        let error = try error(replacing: "threshold: 0.3", with: "threshold: 1.5")
        #expect(error.keyPath == "nlu.threshold")
    }

    @Test func aTextInALocaleTheBotDoesNotHaveIsReported() throws {
        let error = try error(
            replacing: #"handoff: {pt-BR: ["Atendente."], en: ["Agent."]}"#,
            with: #"handoff: {pt-BR: ["Atendente."], en: ["Agent."], es: ["Agente."]}"#)
        #expect(error.code == .unknownReference)
        #expect(error.keyPath == "fallback.handoff.es")
    }

    @Test func notYAMLIsASyntaxError() throws {
        let error = try #require(throws: BotDefinitionError.self) { try BotDefinition.parse(yaml: "name: [unclosed\n  : :", file: "bots/bad.yml") }
        #expect(error.code == .syntax)
        #expect(error.description.hasPrefix("bots/bad.yml: "))
        #expect(!error.description.contains("\n"))
    }

    @Test func aMissingFileIsUnreadable() throws {
        let error = try #require(throws: BotDefinitionError.self) { try BotDefinition.load(file: "/nonexistent/bot.yml") }
        #expect(error.code == .unreadable)
        #expect(error.file == "/nonexistent/bot.yml")
    }
}
