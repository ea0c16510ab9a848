import CarteiroDomain
public import Foundation

/// Writes each message as `<Message-ID>.eml` in a folder: the default when no relay is
/// configured, so a fresh install can be tried without a mail server.
public final class FileTransport: MailTransport {
    public let name: String
    public let directory: URL

    public init(directory: URL) {
        self.directory = directory
        self.name = "file://\(directory.path)"
    }

    public func deliver(_ messages: [ComposedMessage]) async -> [TransportOutcome] {
        let directory = self.directory
        // File writes block: keep them off the cooperative pool.
        return await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .utility).async {
                do {
                    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                } catch {
                    let failure = TransportFailure(failure: DeliveryFailure(text: "cannot create \(directory.path): \(error)"), isTransient: true)
                    continuation.resume(returning: messages.map { _ in .rejected(failure) })
                    return
                }
                continuation.resume(returning: messages.map { message in
                    let file = directory.appendingPathComponent("\(message.jobID.rawValue).eml")
                    do {
                        // Atomic: a reader never sees half a message.
                        try Data(message.bytes).write(to: file, options: .atomic)
                        return .accepted
                    } catch {
                        return .rejected(TransportFailure(failure: DeliveryFailure(text: "cannot write \(file.path): \(error)"), isTransient: true))
                    }
                })
            }
        }
    }

    public func probe() async -> TransportFailure? { nil }
    public func shutdown() async {}
}
