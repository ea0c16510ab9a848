import CarteiroDomain
import CurlKit
import Foundation
public import Logging
public import ServiceLifecycle

/// The inbox role: reads each configured mailbox every `interval` until shutdown. A mailbox that
/// cannot be read (server down, login refused) is logged once per failure run and tried again
/// at the next interval; the others go on.
public struct InboxWatchService: Service {
    private let watchers: [MailboxWatcher]
    private let interval: Duration
    private let logger: Logger

    public init(watchers: [MailboxWatcher], interval: Duration, logger: Logger) {
        self.watchers = watchers
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        await withDiscardingTaskGroup { group in
            for watcher in watchers {
                group.addTask { await watch(watcher) }
            }
        }
        for watcher in watchers { await watcher.shutdown() }
    }

    private func watch(_ watcher: MailboxWatcher) async {
        var failing = false
        while !Task.isCancelled {
            do {
                _ = try await watcher.poll()
                if failing { logger.notice("mailbox readable again", metadata: ["mailbox": "\(watcher.mailbox)"]) }
                failing = false
            } catch {
                if !failing { logger.error("cannot read the mailbox", metadata: ["mailbox": "\(watcher.mailbox)", "error": "\(error)"]) }
                failing = true
            }
            let stopped = await cancelWhenGracefulShutdown { (try? await Task.sleep(for: interval)) == nil }
            if stopped { return }
        }
    }
}
