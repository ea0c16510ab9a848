import CarteiroDomain
import Foundation

func handoffEvent(_ index: Int, at date: Date) -> DomainEvent {
    DomainEvent(occurredAt: date, payload: .chatHandoffRequested(.init(conversationID: ConversationID(), reason: "test \(index)")))
}
