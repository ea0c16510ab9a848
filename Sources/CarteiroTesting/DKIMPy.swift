
import Foundation

/// dkimpy, run from the repository's `.venv`, as an independent verifier. Key records come from
/// the test instead of DNS. A missing venv or dkimpy makes the call throw, so the test fails.
public enum DKIMPy {
    public struct Failed: Error, CustomStringConvertible {
        public let description: String
    }

    /// Whether each DKIM-Signature in `message` (top to bottom) verifies, with `records` mapping
    /// `selector._domainkey.domain.` to the TXT record text.
    public static func verify(_ message: [UInt8], records: [String: String]) throws -> [Bool] {
        let folder = try TemporaryDirectory(prefix: "carteiro-dkimpy")
        defer { folder.remove() }
        let messageFile = folder.url.appendingPathComponent("message.eml")
        let recordsFile = folder.url.appendingPathComponent("records.json")
        try Data(message).write(to: messageFile)
        try JSONSerialization.data(withJSONObject: records).write(to: recordsFile)
        let output = try run(script: verifyScript, arguments: [messageFile.path, recordsFile.path])
        guard let results = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [Bool] else {
            throw Failed(description: "dkimpy printed \(output)")
        }
        return results
    }

    private static let verifyScript = """
        import json, sys
        import dkim
        message = open(sys.argv[1], 'rb').read()
        records = json.load(open(sys.argv[2]))
        def dnsfunc(name, timeout=5):
            name = name.decode() if isinstance(name, bytes) else name
            return records.get(name, '').encode()
        count = len([1 for name, _ in dkim.DKIM(message).headers if name.lower() == b'dkim-signature'])
        results = []
        for index in range(count):
            try:
                results.append(bool(dkim.DKIM(message).verify(idx=index, dnsfunc=dnsfunc)))
            except Exception as error:
                print('signature %d: %r' % (index, error), file=sys.stderr)
                results.append(False)
        print(json.dumps(results))
        """

    private static func run(script: String, arguments: [String]) throws -> String {
        let python = try repositoryRoot(startingAt: #filePath).appendingPathComponent(".venv/bin/python")
        let process = Process()
        process.executableURL = python
        process.arguments = ["-c", script] + arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        let complaints = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failed(
                description: "\(python.path) exited \(process.terminationStatus) (run scripts/setup.sh for dkimpy and pynacl): "
                    + String(decoding: complaints, as: UTF8.self))
        }
        return String(decoding: printed, as: UTF8.self)
    }
}
