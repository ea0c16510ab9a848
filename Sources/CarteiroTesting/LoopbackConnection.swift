#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A raw TCP connection to 127.0.0.1, for tests that send what no HTTP client sends (a head
/// trickled byte by byte, garbage, 10,000 header fields) and watch what the server answers and
/// when it closes. The socket is non-blocking and waits are `Task.sleep`s, so a test never
/// blocks a thread the server under test may need.
public final class LoopbackConnection {
    private let descriptor: Int32
    /// Bytes received so far.
    public private(set) var received: [UInt8] = []
    /// Whether the server closed (or reset) the connection.
    public private(set) var isClosedByPeer = false

    public init(port: Int) throws {
        #if canImport(Glibc)
            let socketType = Int32(SOCK_STREAM.rawValue)
        #else
            let socketType = SOCK_STREAM
        #endif
        descriptor = socket(AF_INET, socketType, 0)
        guard descriptor >= 0 else { throw SocketHelperError(description: "socket() failed: errno \(errno)") }
        #if canImport(Darwin)
            var on: Int32 = 1
            setsockopt(descriptor, SOL_SOCKET, SO_NOSIGPIPE, &on, socklen_t(MemoryLayout<Int32>.size))
        #endif
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr = in_addr(s_addr: UInt32(0x7F00_0001).bigEndian)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let error = errno
            closeDescriptor(descriptor)
            throw SocketHelperError(description: "connect() to 127.0.0.1:\(port) failed: errno \(error)")
        }
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
    }

    deinit { closeDescriptor(descriptor) }

    /// Sends all of `text`, waiting while the socket's buffer is full. Returns false when the
    /// server closed the connection before everything was sent.
    @discardableResult
    public func send(_ text: String, timeout: Duration = .seconds(10)) async throws -> Bool {
        try await send(Array(text.utf8), timeout: timeout)
    }

    @discardableResult
    public func send(_ bytes: [UInt8], timeout: Duration = .seconds(10)) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { sendBytes(descriptor, $0.baseAddress, $0.count) }
            if sent > 0 {
                offset += sent
                continue
            }
            let error = errno
            if error == EAGAIN || error == EWOULDBLOCK {
                guard ContinuousClock.now < deadline else { throw SocketHelperError(description: "send timed out") }
                // The server may be answering while it refuses to read more: read meanwhile.
                _ = readAvailable()
                if isClosedByPeer { return false }
                try await Task.sleep(for: .milliseconds(5))
                continue
            }
            if error == EPIPE || error == ECONNRESET {
                _ = readAvailable()
                isClosedByPeer = true
                return false
            }
            throw SocketHelperError(description: "send() failed: errno \(error)")
        }
        return true
    }

    /// Reads until the server closes the connection or `timeout` passes; true if it closed.
    public func waitUntilClosed(timeout: Duration) async throws -> Bool {
        try await waitUntil(timeout: timeout) { $0.isClosedByPeer }
    }

    /// Reads until `received` holds the end of a response head and its `Content-Length` body (or
    /// the server closed), or `timeout` passes. Returns what was received as text.
    public func readResponse(timeout: Duration = .seconds(10)) async throws -> String {
        _ = try await waitUntil(timeout: timeout) { connection in
            connection.isClosedByPeer || connection.hasWholeResponse
        }
        return String(decoding: received, as: UTF8.self)
    }

    /// Reads until a whole line has arrived (a greeting: `* OK`, `220 …`), the server closed, or
    /// `timeout` passed. Returns what was received as text.
    public func readLine(timeout: Duration = .seconds(10)) async throws -> String {
        _ = try await waitUntil(timeout: timeout) { connection in
            connection.isClosedByPeer || connection.received.contains(0x0A)
        }
        return String(decoding: received, as: UTF8.self)
    }

    /// The status code of the first response received, if any.
    public var status: Int? {
        let text = String(decoding: received.prefix(64), as: UTF8.self)
        guard text.hasPrefix("HTTP/1.") else { return nil }
        return text.split(separator: " ").dropFirst().first.flatMap { Int($0) }
    }

    private var hasWholeResponse: Bool {
        let text = String(decoding: received, as: UTF8.self)
        guard let end = text.firstRange(of: "\r\n\r\n") else { return false }
        let head = text[..<end.lowerBound].lowercased()
        let length =
            head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
            .flatMap { Int($0.dropFirst("content-length:".count).filter { $0 != " " }) } ?? 0
        return text.utf8.count - text[..<end.upperBound].utf8.count >= length
    }

    private func waitUntil(timeout: Duration, _ done: (LoopbackConnection) -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while true {
            _ = readAvailable()
            if done(self) { return true }
            guard ContinuousClock.now < deadline else { return false }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Reads what has arrived; false when nothing had.
    private func readAvailable() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 65536)
        var any = false
        while !isClosedByPeer {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                received.append(contentsOf: buffer[..<count])
                any = true
            } else if count == 0 {
                isClosedByPeer = true
            } else if errno == ECONNRESET || errno == EPIPE {
                isClosedByPeer = true
            } else {
                break
            }
        }
        return any
    }
}

private func closeDescriptor(_ descriptor: Int32) {
    #if canImport(Glibc)
        _ = Glibc.close(descriptor)
    #else
        _ = Darwin.close(descriptor)
    #endif
}

private func sendBytes(_ descriptor: Int32, _ bytes: UnsafeRawPointer?, _ count: Int) -> Int {
    #if canImport(Glibc)
        return Glibc.send(descriptor, bytes, count, Int32(MSG_NOSIGNAL))
    #else
        return Darwin.send(descriptor, bytes, count, 0)
    #endif
}
