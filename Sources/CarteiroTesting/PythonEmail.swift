import Foundation

/// Python's `email` package with `policy=strict`, as an independent reader of what we send.
public enum PythonEmail {
    public struct Parsed: Sendable, Decodable {
        public let subject: String
        public let fromName: String
        public let fromAddress: String
        public let to: [String]
        public let messageID: String
        public let text: String?
        public let html: String?
        public let headers: [String: String]
    }

    public struct Failed: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    private static let script = #"""
        import email, email.policy, json, sys
        message = email.message_from_bytes(sys.stdin.buffer.read(), policy=email.policy.strict)
        sender = message["From"].addresses[0]
        def part(kind):
            body = message.get_body(preferencelist=(kind,))
            return body.get_content() if body is not None else None
        print(json.dumps({
            "subject": str(message["Subject"]),
            "fromName": sender.display_name,
            "fromAddress": sender.addr_spec,
            "to": [a.addr_spec for a in message["To"].addresses],
            "messageID": str(message["Message-ID"]),
            "text": part("plain"),
            "html": part("html"),
            "headers": {k: str(v) for k, v in message.items()},
        }))
        """#

    /// Parses `message` with Python's strict policy; throws with Python's error if it refuses.
    public static func parse(_ message: [UInt8]) throws -> Parsed {
        let python = try repositoryRoot().appendingPathComponent(".venv/bin/python")
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            throw Failed(description: "\(python.path) is missing: run scripts/setup.sh")
        }
        let process = Process()
        process.executableURL = python
        process.arguments = ["-c", script]
        let input = Pipe()
        let output = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        input.fileHandleForWriting.write(Data(message))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw Failed(description: "python refused the message: \(errorText)") }
        return try JSONDecoder().decode(Parsed.self, from: data)
    }
}
