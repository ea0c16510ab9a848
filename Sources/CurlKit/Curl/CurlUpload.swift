/// A message curl reads through its read callback, a piece at a time (SMTP's DATA, IMAP's APPEND).
struct CurlUpload {
    private var bytes: [UInt8] = []
    private var offset = 0

    /// Starts a transfer of `bytes`.
    mutating func start(_ bytes: [UInt8]) {
        self.bytes = bytes
        offset = 0
    }

    /// Reads from the start again (the same message on a new connection).
    mutating func rewind() { offset = 0 }

    mutating func clear() { start([]) }

    /// Copies the next piece into curl's buffer; 0 at the end.
    mutating func read(into buffer: UnsafeMutablePointer<CChar>, capacity: Int) -> Int {
        let count = min(capacity, bytes.count - offset)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBytes { source in
            UnsafeMutableRawPointer(buffer).copyMemory(from: source.baseAddress! + offset, byteCount: count)
        }
        offset += count
        return count
    }
}
