import CarteiroDomain
import CarteiroUseCases
import Foundation
import HTTPTypes
import OpenAPIRuntime

extension APIHandlers {
    func getCampaignFullReport(_ input: Operations.GetCampaignFullReport.Input) async throws -> Operations.GetCampaignFullReport.Output {
        guard let campaign = try await store.campaigns.get(CampaignID(rawValue: input.path.campaignId)) else {
            throw APIError.notFound("campaign", input.path.campaignId)
        }
        let report = try await Reports(store: store).campaign(campaign)
        if Self.wantsCSV(input.headers.accept.map(\.contentType.rawValue)) {
            return .ok(.init(body: .csv(HTTPBody(ReportCSV.campaign(report)))))
        }
        return .ok(.init(body: .json(.init(report))))
    }

    func getUsageReport(_ input: Operations.GetUsageReport.Input) async throws -> Operations.GetUsageReport.Output {
        let (from, to) = (input.query.from, input.query.to)
        guard from < to else { throw APIError(.unprocessableContent, code: "invalid_value", "from must be before to", field: "from") }
        guard to.timeIntervalSince(from) <= 3_660 * 86_400 else { throw APIError(.unprocessableContent, code: "invalid_value", "a period is at most ten years", field: "to") }
        let report = try await Reports(store: store).usage(from: from, to: to)
        if Self.wantsCSV(input.headers.accept.map(\.contentType.rawValue)) {
            return .ok(.init(body: .csv(HTTPBody(ReportCSV.usage(report)))))
        }
        return .ok(
            .init(
                body: .json(
                    .init(
                        from: from, to: to,
                        sent: .init(bulk: report.sentByStream[.bulk] ?? 0, transactional: report.sentByStream[.transactional] ?? 0),
                        conversations: .init(
                            started: report.conversations, botOnly: report.botOnlyConversations, handedToAgents: report.conversationsHandedToAgents),
                        signUps: report.signUps, confirmedContacts: report.confirmedContacts))))
    }

    /// CSV when the client asked for it by name (`text/csv`), JSON otherwise (`*/*` included).
    static func wantsCSV(_ accepted: [String]) -> Bool {
        accepted.contains { $0.lowercased().hasPrefix("text/csv") }
    }
}

extension Components.Schemas.CampaignReport {
    init(_ report: Reports.CampaignReport) {
        let delivery = report.delivery
        self.init(
            campaignId: report.campaign.id.rawValue, status: .init(report.campaign.status), counts: .init(report.counts),
            engagement: .init(report.engagement, sent: report.counts.sent),
            outcomes: .init(unsubscribed: report.engagement.unsubscribed, bounced: report.engagement.bounced, complained: report.engagement.complained),
            delivery: .init(
                failedByReason: delivery.failures.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { .init(reason: $0.key, count: $0.value) },
                relays: delivery.relays.sorted { $0.key < $1.key }.map { .init(relay: $0.key, sent: $0.value.sent, failed: $0.value.failed) },
                hourly: delivery.sentPerHour.sorted { $0.key < $1.key }.map { .init(hour: $0.key, sent: $0.value) }),
            startedAt: report.campaign.startedAt, finishedAt: report.campaign.finishedAt)
    }
}
