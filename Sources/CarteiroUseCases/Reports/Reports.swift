public import CarteiroDomain
public import Foundation

/// What operators read of a campaign and of a period, assembled from the store: the campaign's
/// delivery (counters, failures by reason, per relay, per hour), what people did with it
/// (opens, clicks, unsubscribes, complaints, bounces) and, per period, what is billed: messages
/// sent by stream, conversations, sign-ups and confirmed contacts. The API (JSON or CSV) and
/// `carteiro report` show the same figures.
public struct Reports: Sendable {
    private let store: any Store

    public init(store: any Store) { self.store = store }

    public struct CampaignReport: Sendable {
        public var campaign: Campaign
        public var counts: CampaignDispatcher.Counts
        public var delivery: DeliveryBreakdown
        public var engagement: EngagementSummary

        /// `count` over the messages sent, to four places; 0 before any was sent.
        public func rate(_ count: Int) -> Double {
            counts.sent == 0 ? 0 : (Double(count) / Double(counts.sent) * 10_000).rounded() / 10_000
        }
    }

    public func campaign(_ campaign: Campaign, topLinks: Int = 10) async throws -> CampaignReport {
        let counts = try await CampaignDispatcher(store: store).counts(of: campaign)
        var delivery = DeliveryBreakdown()
        if let sendID = campaign.sendID { delivery = try await store.emailJobs.deliveryBreakdown(sendID: sendID) }
        return CampaignReport(
            campaign: campaign, counts: counts, delivery: delivery, engagement: try await store.engagement.summary(campaign: campaign.id, topLinks: topLinks))
    }

    public struct UsageReport: Sendable, Equatable {
        public var from: Date
        public var to: Date
        public var sentByStream: [MailStream: Int]
        /// Conversations started in the period, and those of them handed to an agent at some point.
        public var conversations: Int
        public var conversationsHandedToAgents: Int
        public var signUps: Int
        public var confirmedContacts: Int

        public var botOnlyConversations: Int { max(0, conversations - conversationsHandedToAgents) }
    }

    /// From `from` (included) to `to` (excluded). Conversations are counted by the UTC day they
    /// started, so a period is read in whole days.
    public func usage(from: Date, to: Date) async throws -> UsageReport {
        var conversations = 0
        var handed = 0
        for day in Conversation.days(from: from, to: to) {
            conversations += try await store.conversations.count("created_day", equals: day)
            handed += try await store.conversations.count("handed_created_day", equals: day)
        }
        return UsageReport(
            from: from, to: to, sentByStream: try await store.emailJobs.sentCounts(from: from, to: to), conversations: conversations,
            conversationsHandedToAgents: handed, signUps: try await store.events.count(kind: .contactSignedUp, from: from, to: to),
            confirmedContacts: try await store.events.count(kind: .contactConfirmed, from: from, to: to))
    }
}

/// Reports as CSV (RFC 4180): one `section,name,value` row per figure, so that a spreadsheet or
/// a script reads any report the same way.
public enum ReportCSV {
    public static func campaign(_ report: Reports.CampaignReport) -> String {
        var rows: [(String, String, String)] = [("campaign", "id", report.campaign.id.rawValue), ("campaign", "name", report.campaign.name),
            ("campaign", "status", report.campaign.status.rawValue)]
        let counts = report.counts
        for (name, value) in [
            ("audience", counts.audience), ("suppressed", counts.suppressed), ("duplicates", counts.duplicates), ("queued", counts.queued),
            ("sent", counts.sent), ("failed", counts.failed), ("cancelled", counts.cancelled),
        ] { rows.append(("counts", name, "\(value)")) }
        let engagement = report.engagement
        for (kind, figures) in [("opens", engagement.opens), ("clicks", engagement.clicks)] {
            rows.append((kind, "unique", "\(figures.unique)"))
            rows.append((kind, "total", "\(figures.total)"))
            rows.append((kind, "machine", "\(figures.machine)"))
        }
        rows.append(("rates", "open", "\(report.rate(engagement.opens.unique))"))
        rows.append(("rates", "click", "\(report.rate(engagement.clicks.unique))"))
        rows.append(("outcomes", "unsubscribed", "\(engagement.unsubscribed)"))
        rows.append(("outcomes", "bounced", "\(engagement.bounced)"))
        rows.append(("outcomes", "complained", "\(engagement.complained)"))
        for (reason, count) in report.delivery.failures.sorted(by: { $0.key < $1.key }) { rows.append(("failed_by_reason", reason, "\(count)")) }
        for (relay, figures) in report.delivery.relays.sorted(by: { $0.key < $1.key }) {
            rows.append(("relay_sent", relay, "\(figures.sent)"))
            rows.append(("relay_failed", relay, "\(figures.failed)"))
        }
        for (hour, count) in report.delivery.sentPerHour.sorted(by: { $0.key < $1.key }) {
            rows.append(("sent_per_hour", iso8601(hour), "\(count)"))
        }
        for link in engagement.links {
            rows.append(("link_unique", link.url, "\(link.unique)"))
            rows.append(("link_total", link.url, "\(link.total)"))
        }
        return render(rows)
    }

    public static func usage(_ report: Reports.UsageReport) -> String {
        var rows: [(String, String, String)] = [("period", "from", iso8601(report.from)), ("period", "to", iso8601(report.to))]
        for stream in MailStream.allCases { rows.append(("sent", stream.rawValue, "\(report.sentByStream[stream] ?? 0)")) }
        rows.append(("conversations", "started", "\(report.conversations)"))
        rows.append(("conversations", "bot_only", "\(report.botOnlyConversations)"))
        rows.append(("conversations", "handed_to_agents", "\(report.conversationsHandedToAgents)"))
        rows.append(("contacts", "sign_ups", "\(report.signUps)"))
        rows.append(("contacts", "confirmed", "\(report.confirmedContacts)"))
        return render(rows)
    }

    static func render(_ rows: [(String, String, String)]) -> String {
        (["section,name,value"] + rows.map { [$0.0, $0.1, $0.2].map(field).joined(separator: ",") }).joined(separator: "\r\n") + "\r\n"
    }

    /// A field quoted when it holds a comma, a quote or a line break (quotes doubled); a field a
    /// spreadsheet would run as a formula gets a leading apostrophe.
    static func field(_ text: String) -> String {
        var text = text
        if let first = text.first, "=+-@".contains(first), Double(text) == nil { text = "'" + text }
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    public static func iso8601(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}
