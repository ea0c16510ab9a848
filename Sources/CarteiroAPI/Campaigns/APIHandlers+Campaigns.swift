import CarteiroDomain
import CarteiroMIME
import CarteiroUseCases
import Foundation
import HTTPTypes
import OpenAPIRuntime

extension APIHandlers {
    var dispatcher: CampaignDispatcher { CampaignDispatcher(store: store) }

    func listCampaigns(_ input: Operations.ListCampaigns.Input) async throws -> Operations.ListCampaigns.Output {
        let request = try pageRequest(limit: input.query.limit, cursor: input.query.cursor)
        let page =
            if let status = input.query.status {
                try await store.campaigns.find("status", equals: status.rawValue, page: request)
            } else {
                try await store.campaigns.list(page: request)
            }
        var items: [Components.Schemas.Campaign] = []
        for campaign in page.items { items.append(try await body(campaign)) }
        return .ok(.init(body: .json(.init(items: items, nextCursor: page.nextCursor))))
    }

    func createCampaign(_ input: Operations.CreateCampaign.Input) async throws -> Operations.CreateCampaign.Output {
        guard case .json(let body) = input.body else { throw APIError.badRequest("expected JSON") }
        let parts = try await campaignParts(
            templateID: body.templateId, listIDs: body.listIds ?? [], segmentIDs: body.segmentIds ?? [], from: body.from, replyTo: body.replyTo)
        var campaign = try Campaign(
            name: body.name, templateID: parts.template, listIDs: parts.lists, segmentIDs: parts.segments, from: parts.from.address,
            fromName: parts.from.name, replyTo: parts.replyTo, createdAt: Date())
        campaign.tracking = EngagementTracking(opens: body.trackOpens ?? true, clicks: body.trackClicks ?? true)
        return .created(.init(body: .json(try await self.body(try await store.campaigns.insert(campaign)))))
    }

    func getCampaign(_ input: Operations.GetCampaign.Input) async throws -> Operations.GetCampaign.Output {
        .ok(.init(body: .json(try await body(try await campaign(input.path.campaignId)))))
    }

    func updateCampaign(_ input: Operations.UpdateCampaign.Input) async throws -> Operations.UpdateCampaign.Output {
        guard case .json(let body) = input.body else { throw APIError.badRequest("expected JSON") }
        var campaign = try await campaign(input.path.campaignId)
        guard campaign.status == .draft else { throw APIError.conflict("only a draft can be changed; this campaign is \(campaign.status.rawValue)", field: "status") }
        let from = campaign.fromName.map { "\($0) <\(campaign.from.value)>" } ?? campaign.from.value
        let parts = try await campaignParts(
            templateID: body.templateId ?? campaign.templateID.rawValue, listIDs: body.listIds ?? campaign.listIDs.map(\.rawValue),
            segmentIDs: body.segmentIds ?? campaign.segmentIDs.map(\.rawValue), from: body.from ?? from,
            // An empty string removes the reply-to address.
            replyTo: body.replyTo.map { replyTo -> String? in
                switch replyTo {
                // "" matches both branches of the oneOf; the decoder takes the first: it removes.
                case .Address(let address): address.isEmpty ? nil : address
                case .case2: nil
                }
            } ?? campaign.replyTo?.value)
        try campaign.edit(
            name: body.name ?? campaign.name, templateID: parts.template, listIDs: parts.lists, segmentIDs: parts.segments, from: parts.from.address,
            fromName: parts.from.name, replyTo: parts.replyTo, at: Date())
        let tracking = campaign.tracking ?? .all
        campaign.tracking = EngagementTracking(opens: body.trackOpens ?? tracking.opens, clicks: body.trackClicks ?? tracking.clicks)
        return .ok(.init(body: .json(try await self.body(try await store.campaigns.update(campaign)))))
    }

    func deleteCampaign(_ input: Operations.DeleteCampaign.Input) async throws -> Operations.DeleteCampaign.Output {
        let campaign = try await campaign(input.path.campaignId)
        guard campaign.status == .draft else { throw APIError.conflict("only a draft can be deleted; this campaign is \(campaign.status.rawValue)", field: "status") }
        guard try await store.campaigns.delete(campaign.id) else { throw APIError.notFound("campaign", campaign.id.rawValue) }
        return .noContent(.init())
    }

    func sendCampaign(_ input: Operations.SendCampaign.Input) async throws -> Operations.SendCampaign.Output {
        let started = try await dispatching { try await dispatcher.start(try await campaign(input.path.campaignId)) }
        return .accepted(.init(body: .json(try await body(started))))
    }

    func scheduleCampaign(_ input: Operations.ScheduleCampaign.Input) async throws -> Operations.ScheduleCampaign.Output {
        guard case .json(let body) = input.body else { throw APIError.badRequest("expected JSON") }
        let scheduled = try await dispatching { try await dispatcher.schedule(try await campaign(input.path.campaignId), at: body.at) }
        return .ok(.init(body: .json(try await self.body(scheduled))))
    }

    func pauseCampaign(_ input: Operations.PauseCampaign.Input) async throws -> Operations.PauseCampaign.Output {
        let paused = try await dispatching { try await dispatcher.pause(try await campaign(input.path.campaignId)) }
        return .ok(.init(body: .json(try await body(paused))))
    }

    func resumeCampaign(_ input: Operations.ResumeCampaign.Input) async throws -> Operations.ResumeCampaign.Output {
        let resumed = try await dispatching { try await dispatcher.resume(try await campaign(input.path.campaignId)) }
        return .ok(.init(body: .json(try await body(resumed))))
    }

    func cancelCampaign(_ input: Operations.CancelCampaign.Input) async throws -> Operations.CancelCampaign.Output {
        let cancelled = try await dispatching { try await dispatcher.cancel(try await campaign(input.path.campaignId)) }
        return .ok(.init(body: .json(try await body(cancelled))))
    }

    func testCampaign(_ input: Operations.TestCampaign.Input) async throws -> Operations.TestCampaign.Output {
        guard case .json(let body) = input.body else { throw APIError.badRequest("expected JSON") }
        var addresses: [EmailAddress] = []
        for (index, text) in body.addresses.enumerated() {
            addresses.append(try parseAddress(text, field: "addresses.\(index)").address)
        }
        let campaign = try await campaign(input.path.campaignId)
        guard campaign.status != .cancelled else { throw APIError.conflict("the campaign is cancelled", field: "status") }
        let send = try await dispatching { try await dispatcher.test(campaign, to: addresses) }
        return .accepted(.init(body: .json(.init(sendId: send.id.rawValue, queued: send.requested - send.suppressed - send.duplicates))))
    }

    func getCampaignReport(_ input: Operations.GetCampaignReport.Input) async throws -> Operations.GetCampaignReport.Output {
        .ok(.init(body: .json(.init(try await Reports(store: store).campaign(try await campaign(input.path.campaignId))))))
    }

    private func campaign(_ id: String) async throws -> Campaign {
        guard let campaign = try await store.campaigns.get(CampaignID(rawValue: id)) else { throw APIError.notFound("campaign", id) }
        return campaign
    }

    private func body(_ campaign: Campaign) async throws -> Components.Schemas.Campaign {
        .init(
            id: campaign.id.rawValue, name: campaign.name, templateId: campaign.templateID.rawValue, templateRevision: campaign.templateRevision,
            listIds: campaign.listIDs.map(\.rawValue), segmentIds: campaign.segmentIDs.map(\.rawValue),
            from: campaign.fromName.map { "\($0) <\(campaign.from.value)>" } ?? campaign.from.value, replyTo: campaign.replyTo?.value,
            trackOpens: (campaign.tracking ?? .all).opens, trackClicks: (campaign.tracking ?? .all).clicks, status: .init(campaign.status), scheduledAt: campaign.scheduledAt, startedAt: campaign.startedAt, finishedAt: campaign.finishedAt,
            counts: .init(try await dispatcher.counts(of: campaign)), createdAt: campaign.createdAt, updatedAt: campaign.updatedAt,
            version: campaign.version)
    }

    /// Refusals of the campaign's state or parts as 409.
    private func dispatching<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as CampaignDispatcher.Refusal {
            throw APIError(.conflict, code: "conflict", error.description, field: error.field)
        } catch let error as SendRequestError {
            throw APIError(.conflict, code: "cannot_send", error.description)
        } catch let error as StoreError where error.isConflict {
            throw APIError(.conflict, code: "version_conflict", "the campaign changed meanwhile; read it and try again", field: "version")
        }
    }

    /// Checks that the template, lists and segments exist, and parses the addresses.
    private func campaignParts(templateID: String, listIDs: [String], segmentIDs: [String], from: String, replyTo: String?) async throws -> (
        template: TemplateID, lists: [ContactListID], segments: [SegmentID], from: (address: EmailAddress, name: String?), replyTo: EmailAddress?
    ) {
        guard try await store.templates.get(TemplateID(rawValue: templateID)) != nil else {
            throw APIError.missingReference("template", templateID, field: "templateId")
        }
        for (index, id) in listIDs.enumerated() where try await store.contactLists.get(ContactListID(rawValue: id)) == nil {
            throw APIError.missingReference("list", id, field: "listIds.\(index)")
        }
        for (index, id) in segmentIDs.enumerated() where try await store.segments.get(SegmentID(rawValue: id)) == nil {
            throw APIError.missingReference("segment", id, field: "segmentIds.\(index)")
        }
        guard Set(listIDs).count == listIDs.count, Set(segmentIDs).count == segmentIDs.count else {
            throw APIError.invalid("listIds", "a list or segment is named twice")
        }
        return (
            TemplateID(rawValue: templateID), listIDs.map(ContactListID.init(rawValue:)), segmentIDs.map(SegmentID.init(rawValue:)),
            try parseAddress(from, field: "from"), try replyTo.map { try parseAddress($0, field: "replyTo").address }
        )
    }

    /// `a@b` or `Name <a@b>`.
    private func parseAddress(_ text: String, field: String) throws -> (address: EmailAddress, name: String?) {
        do {
            let parsed = try MailAddress(parsing: text, field: field)
            return (try EmailAddress(parsed.address, field: field), parsed.displayName)
        } catch let error as MIMEError {
            throw APIError.invalid(field, error.message)
        }
    }
}

extension Components.Schemas.CampaignStatus {
    init(_ status: Campaign.Status) { self = Self(rawValue: status.rawValue) ?? .draft }
}

extension Components.Schemas.CampaignCounts {
    init(_ counts: CampaignDispatcher.Counts) {
        self.init(
            audience: counts.audience, suppressed: counts.suppressed, duplicates: counts.duplicates, queued: counts.queued, sent: counts.sent,
            failed: counts.failed, cancelled: counts.cancelled)
    }
}

extension Components.Schemas.CampaignEngagement {
    init(_ summary: EngagementSummary, sent: Int) {
        func rate(_ count: Int) -> Double { sent == 0 ? 0 : (Double(count) / Double(sent) * 10_000).rounded() / 10_000 }
        self.init(
            opens: .init(summary.opens), clicks: .init(summary.clicks), openRate: rate(summary.opens.unique), clickRate: rate(summary.clicks.unique),
            links: summary.links.map { .init(url: $0.url, unique: $0.unique, total: $0.total) })
    }
}

extension Components.Schemas.EngagementCounts {
    init(_ counts: CarteiroDomain.EngagementCounts) {
        self.init(unique: counts.unique, total: counts.total, machine: counts.machine)
    }
}
