import CarteiroDomain
import CarteiroUseCases
import Foundation
import OpenAPIRuntime

extension APIHandlers {
    func listSegments(_ input: Operations.ListSegments.Input) async throws -> Operations.ListSegments.Output {
        let page = try await store.segments.list(page: try pageRequest(limit: input.query.limit, cursor: input.query.cursor))
        return .ok(.init(body: .json(.init(items: page.items.map(Components.Schemas.Segment.init), nextCursor: page.nextCursor))))
    }

    func createSegment(_ input: Operations.CreateSegment.Input) async throws -> Operations.CreateSegment.Output {
        guard case .json(let body) = input.body else { throw APIError.badRequest("expected JSON") }
        let segment = try Segment(name: body.name, filter: try SegmentFilter(body.filter), createdAt: Date())
        return .created(.init(body: .json(.init(try await store.segments.insert(segment)))))
    }

    func previewSegmentFilter(_ input: Operations.PreviewSegmentFilter.Input) async throws -> Operations.PreviewSegmentFilter.Output {
        guard case .json(let body) = input.body else { throw APIError.badRequest("expected JSON") }
        return .ok(.init(body: .json(try await preview(try SegmentFilter(body)))))
    }

    func getSegment(_ input: Operations.GetSegment.Input) async throws -> Operations.GetSegment.Output {
        .ok(.init(body: .json(.init(try await segment(input.path.segmentId)))))
    }

    func updateSegment(_ input: Operations.UpdateSegment.Input) async throws -> Operations.UpdateSegment.Output {
        guard case .json(let body) = input.body else { throw APIError.badRequest("expected JSON") }
        var segment = try await segment(input.path.segmentId)
        let now = Date()
        if let name = body.name { try segment.rename(name, at: now) }
        if let filter = body.filter {
            segment.filter = try SegmentFilter(filter)
            segment.updatedAt = now
        }
        return .ok(.init(body: .json(.init(try await store.segments.update(segment)))))
    }

    func deleteSegment(_ input: Operations.DeleteSegment.Input) async throws -> Operations.DeleteSegment.Output {
        let segment = try await segment(input.path.segmentId)
        for status in Campaign.Status.allCases where !status.isFinal {
            var cursor: String?
            repeat {
                let page = try await store.campaigns.find("status", equals: status.rawValue, page: try PageRequest(limit: 1000, cursor: cursor))
                if let user = page.items.first(where: { $0.segmentIDs.contains(segment.id) }) {
                    throw APIError.conflict("campaign \(user.id) (\(status.rawValue)) uses this segment")
                }
                cursor = page.nextCursor
            } while cursor != nil
        }
        guard try await store.segments.delete(segment.id) else { throw APIError.notFound("segment", segment.id.rawValue) }
        return .noContent(.init())
    }

    func previewSegment(_ input: Operations.PreviewSegment.Input) async throws -> Operations.PreviewSegment.Output {
        .ok(.init(body: .json(try await preview(try await segment(input.path.segmentId).filter))))
    }

    private func preview(_ filter: SegmentFilter) async throws -> Components.Schemas.SegmentPreview {
        let preview = try await SegmentAudience(store: store).preview(filter)
        return .init(count: preview.count, sample: preview.sample.map(Self.contact))
    }

    private func segment(_ id: String) async throws -> Segment {
        guard let segment = try await store.segments.get(SegmentID(rawValue: id)) else { throw APIError.notFound("segment", id) }
        return segment
    }
}

extension SegmentFilter {
    init(_ body: Components.Schemas.SegmentFilter) throws {
        var statuses = Set<Contact.Status>()
        for status in body.statuses ?? [] {
            guard let status = Contact.Status(rawValue: status.rawValue) else { throw APIError.invalid("statuses", "unknown status \(status.rawValue)") }
            statuses.insert(status)
        }
        let attributes = try (body.attributes ?? []).map { condition in
            switch condition {
            case .AttributeComparison(let comparison):
                let (value, kind) = Self.text(comparison.value)
                return try AttributeCondition(
                    name: comparison.name, op: AttributeCondition.Operator(rawValue: comparison.op.rawValue) ?? .eq, value: value, kind: kind)
            case .AttributePresence(let presence):
                return try AttributeCondition(name: presence.name, op: presence.op == .exists ? .exists : .missing, value: nil)
            }
        }
        let engagement = try (body.engagement ?? []).map { condition in
            try EngagementCondition(
                event: EngagementCondition.Event(rawValue: condition.event.rawValue) ?? .opened, withinDays: condition.withinDays,
                negated: condition.not ?? false)
        }
        self.init(
            statuses: statuses, listIDs: Set((body.listIds ?? []).map(ContactListID.init(rawValue:))), tagsAll: Set(body.tagsAll ?? []),
            tagsAny: Set(body.tagsAny ?? []), tagsNone: Set(body.tagsNone ?? []), attributes: attributes, engagement: engagement,
            createdAfter: body.createdAfter, createdBefore: body.createdBefore)
    }

    /// An attribute value as a CSV cell writes it, with its type.
    static func text(_ value: Components.Schemas.AttributeValue) -> (String, AttributeCondition.Kind) {
        switch value {
        case .case1(let text): (text, .string)
        case .case2(let number): (number.rounded() == number && abs(number) < 1e15 ? String(Int64(number)) : String(number), .number)
        case .case3(let flag): (flag ? "true" : "false", .boolean)
        case .DateValue(let date): (date.date, .date)
        }
    }
}

extension Components.Schemas.AttributeValue {
    init(text: String, kind: SegmentFilter.AttributeCondition.Kind) {
        switch kind {
        case .string: self = .case1(text)
        case .number: self = Double(text).map { .case2($0) } ?? .case1(text)
        case .boolean: self = .case3(text == "true")
        case .date: self = .DateValue(.init(date: text))
        }
    }
}

extension Components.Schemas.Segment {
    init(_ segment: Segment) {
        let filter = segment.filter
        self.init(
            id: segment.id.rawValue, name: segment.name,
            filter: .init(
                statuses: filter.statuses.isEmpty ? nil : filter.statuses.map { .init(rawValue: $0.rawValue) ?? .pending }.sorted { $0.rawValue < $1.rawValue },
                listIds: filter.listIDs.isEmpty ? nil : filter.listIDs.map(\.rawValue).sorted(),
                tagsAll: filter.tagsAll.isEmpty ? nil : filter.tagsAll.sorted(), tagsAny: filter.tagsAny.isEmpty ? nil : filter.tagsAny.sorted(),
                tagsNone: filter.tagsNone.isEmpty ? nil : filter.tagsNone.sorted(),
                attributes: filter.attributes.isEmpty ? nil : filter.attributes.map(Components.Schemas.AttributeCondition.init),
                engagement: filter.engagement.isEmpty
                    ? nil
                    : filter.engagement.map { .init(event: .init(rawValue: $0.event.rawValue) ?? .opened, withinDays: $0.withinDays, not: $0.negated) },
                createdAfter: filter.createdAfter, createdBefore: filter.createdBefore),
            createdAt: segment.createdAt, updatedAt: segment.updatedAt, version: segment.version)
    }
}

extension Components.Schemas.AttributeCondition {
    init(_ condition: SegmentFilter.AttributeCondition) {
        if let value = condition.value, let op = Components.Schemas.AttributeComparison.OpPayload(rawValue: condition.op.rawValue) {
            self = .AttributeComparison(.init(name: condition.name, op: op, value: .init(text: value, kind: condition.kind)))
        } else {
            self = .AttributePresence(.init(name: condition.name, op: condition.op == .missing ? .missing : .exists))
        }
    }
}
