import Foundation

/// A chat server written with Python's `websockets` that follows docs/chat-protocol.md just far
/// enough to test clients, and misbehaves on purpose: it aborts the TCP connection right after
/// storing the `dropAfterMessage`-th customer message, before acknowledging or answering it.
/// Its bot answers `eco: <text>`. It records every `hello` and every stored message.
public final class ScriptedChatServer: Sendable {
    public let port: Int
    private let process: Process
    private let workFolder: URL

    public var url: String { "ws://127.0.0.1:\(port)/chat" }

    private init(process: Process, port: Int, workFolder: URL) {
        self.process = process
        self.port = port
        self.workFolder = workFolder
    }

    public static func start(dropAfterMessage: Int? = nil) async throws -> ScriptedChatServer {
        let python = try repositoryRoot().appendingPathComponent(".venv/bin/python")
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            throw SMTPSink.LaunchError(description: "python not found at \(python.path); run scripts/setup.sh (creates .venv with websockets)")
        }
        let port = try freeLoopbackPort()
        let workFolder = FileManager.default.temporaryDirectory.appendingPathComponent("chat-server-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: workFolder, withIntermediateDirectories: true)
        let script = workFolder.appendingPathComponent("server.py")
        try Data(serverScript.utf8).write(to: script)
        let log = workFolder.appendingPathComponent("server.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let process = Process()
        process.executableURL = python
        process.arguments = [script.path, "\(port)", workFolder.path, "\(dropAfterMessage ?? 0)"]
        let output = try FileHandle(forWritingTo: log)
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try? output.close()
        let server = ScriptedChatServer(process: process, port: port, workFolder: workFolder)
        try await waitUntilListening(port: port, process: process, name: "scripted chat server", logs: [log]) { server.stop() }
        return server
    }

    /// Every `hello` received, as sent.
    public func hellos() throws -> [[String: any Sendable]] { try jsonLines("hellos.jsonl") }

    /// Every message the server stored (customer and bot), in order.
    public func storedMessages() throws -> [[String: any Sendable]] { try jsonLines("stored.jsonl") }

    private func jsonLines(_ name: String) throws -> [[String: any Sendable]] {
        let url = workFolder.appendingPathComponent(name)
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        return try text.split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: any Sendable] ?? [:]
        }
    }

    public func stop() {
        terminate(process)
        try? FileManager.default.removeItem(at: workFolder)
    }

    deinit { stop() }
}

private let serverScript = #"""
import asyncio, json, sys
import websockets

port, folder, drop_after = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
log = []            # every frame of the conversation that has a sequence, as sent
by_client_id = {}   # client_id -> sequence
customer_messages = 0

def record(name, obj):
    with open(f"{folder}/{name}", "a") as f:
        f.write(json.dumps(obj) + "\n")

def store(frame):
    frame["sequence"] = len(log) + 1
    log.append(frame)
    record("stored.jsonl", frame)
    return frame

async def handler(ws):
    global customer_messages
    async for raw in ws:
        frame = json.loads(raw)
        if frame["type"] == "hello":
            record("hellos.jsonl", frame)
            await ws.send(json.dumps({"type": "welcome", "conversation_id": "c-1", "resume": "tok-1", "sequence": len(log)}))
            if frame.get("resume") == "tok-1":
                for stored in log[frame.get("last_sequence", 0):]:
                    await ws.send(json.dumps(stored))
        elif frame["type"] == "message":
            if frame["client_id"] in by_client_id:
                await ws.send(json.dumps({"type": "ack", "client_id": frame["client_id"], "sequence": by_client_id[frame["client_id"]]}))
                continue
            mine = store({"type": "message", "id": f"m{len(log) + 1}", "from": "customer", "text": frame["text"], "client_id": frame["client_id"]})
            by_client_id[frame["client_id"]] = mine["sequence"]
            reply = store({"type": "message", "id": f"m{len(log) + 1}", "from": "bot", "text": "eco: " + frame["text"], "quick_replies": ["sim", "não"]})
            customer_messages += 1
            if customer_messages == drop_after:
                ws.transport.abort()
                return
            await ws.send(json.dumps({"type": "ack", "client_id": frame["client_id"], "sequence": mine["sequence"]}))
            await ws.send(json.dumps(reply))

async def main():
    async with websockets.serve(handler, "127.0.0.1", port):
        await asyncio.Future()

asyncio.run(main())
"""#
