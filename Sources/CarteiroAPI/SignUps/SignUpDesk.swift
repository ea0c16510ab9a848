import CarteiroUseCases
import Foundation
import Synchronization

/// The public sign-up form's settings, and how many sign-ups each client address asked for in
/// the current minute (a fixed window per address; old windows are dropped as the table grows).
final class SignUpDesk: Sendable {
    let settings: SignUpMailSettings
    private let perClientPerMinute: Int
    private let windows = Mutex<[String: (start: ContinuousClock.Instant, count: Int)]>([:])
    private static let maximumTrackedClients = 100_000

    init(settings: SignUpMailSettings, perClientPerMinute: Int) {
        self.settings = settings
        self.perClientPerMinute = perClientPerMinute
    }

    /// Counts a sign-up from `client`; false when it is over the limit for this minute.
    func admit(client: String, now: ContinuousClock.Instant = .now) -> Bool {
        windows.withLock { windows in
            if windows.count >= Self.maximumTrackedClients {
                windows = windows.filter { now - $0.value.start < .seconds(60) }
            }
            var window = windows[client] ?? (now, 0)
            if now - window.start >= .seconds(60) { window = (now, 0) }
            guard window.count < perClientPerMinute else { return false }
            window.count += 1
            windows[client] = window
            return true
        }
    }
}
