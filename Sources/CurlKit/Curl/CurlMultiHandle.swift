import CCurl
import CCurlShim

/// The one owner of a `CURLM *` and of its connection cache. Used by one thread, except
/// `wakeUp()`, which curl documents as callable from any thread.
final class CurlMultiHandle: @unchecked Sendable {
    // @unchecked: only curl_multi_wakeup is called from other threads, and curl makes that one
    // thread-safe; every other call happens on the owning lane thread.
    let raw: UnsafeMutableRawPointer

    init() throws(CurlError) {
        try CurlGlobal.ensureInitialized()
        guard let raw = curl_multi_init() else { throw .outOfMemory("a multi handle") }
        self.raw = raw
    }

    deinit {
        // Closes the cached connections (sending QUIT on SMTP ones).
        curl_multi_cleanup(raw)
    }

    func set(_ option: CURLMoption, _ value: Int) throws(CurlError) {
        try check(ccurl_multi_setopt_long(raw, option, value))
    }

    func add(_ easy: CurlEasyHandle) throws(CurlError) {
        try check(curl_multi_add_handle(raw, easy.raw))
    }

    func remove(_ easy: CurlEasyHandle) {
        _ = curl_multi_remove_handle(raw, easy.raw)
    }

    /// Runs the transfer of `easy` (already added) to its end and returns its result code.
    /// Blocks the calling thread, which must be a lane thread, never the cooperative pool.
    func runToCompletion(_ easy: CurlEasyHandle) throws(CurlError) -> CURLcode {
        while true {
            var running: Int32 = 0
            try check(curl_multi_perform(raw, &running))
            var left: Int32 = 0
            while let message = curl_multi_info_read(raw, &left) {
                if message.pointee.msg == CURLMSG_DONE, message.pointee.easy_handle == easy.raw {
                    return message.pointee.data.result
                }
            }
            if running == 0 { return CURLE_GOT_NOTHING }
            try check(curl_multi_poll(raw, nil, 0, 1000, nil))
        }
    }

    /// Sleeps until `wakeUp()` is called or `milliseconds` pass.
    func waitForWakeUp(milliseconds: Int32) {
        _ = curl_multi_poll(raw, nil, 0, milliseconds, nil)
    }

    func wakeUp() {
        _ = curl_multi_wakeup(raw)
    }
}
