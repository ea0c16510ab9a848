/// Which of a bulk message's engagement is tracked: opens (a pixel) and clicks (links rewritten
/// through Carteiro). Both on unless a campaign turns them off.
public struct EngagementTracking: Hashable, Sendable, Codable {
    public var opens: Bool
    public var clicks: Bool

    public init(opens: Bool = true, clicks: Bool = true) {
        self.opens = opens
        self.clicks = clicks
    }

    public static let all = EngagementTracking()
    public static let none = EngagementTracking(opens: false, clicks: false)
}
