import CCurl
import CCurlShim

/// The one owner of a `CURL *`. Not thread-safe: it is used by one thread at a time (the lane
/// thread that owns it), like the easy handle itself.
final class CurlEasyHandle {
    let raw: UnsafeMutableRawPointer

    init() throws(CurlError) {
        try CurlGlobal.ensureInitialized()
        guard let raw = curl_easy_init() else { throw .outOfMemory("an easy handle") }
        self.raw = raw
    }

    deinit {
        curl_easy_cleanup(raw)
    }

    func set(_ option: CURLoption, _ value: Int) throws(CurlError) {
        try check(ccurl_easy_setopt_long(raw, option, value))
    }

    func set(_ option: CURLoption, _ value: Bool) throws(CurlError) {
        try check(ccurl_easy_setopt_long(raw, option, value ? 1 : 0))
    }

    /// curl copies string options (since 7.17), so the C string only lives for the call.
    func set(_ option: CURLoption, _ value: String?) throws(CurlError) {
        let code: CURLcode
        if let value {
            code = value.withCString { ccurl_easy_setopt_string(raw, option, $0) }
        } else {
            code = ccurl_easy_setopt_string(raw, option, nil)
        }
        try check(code)
    }

    func set(_ option: CURLoption, size: Int64) throws(CurlError) {
        try check(ccurl_easy_setopt_off_t(raw, option, curl_off_t(size)))
    }

    /// The pointer must stay valid for as long as curl may use it (the caller's business).
    func set(_ option: CURLoption, pointer: UnsafeMutableRawPointer?) throws(CurlError) {
        try check(ccurl_easy_setopt_pointer(raw, option, pointer))
    }

    /// The list must stay alive until the next transfer sets another one.
    func set(_ option: CURLoption, list: borrowing CurlStringList) throws(CurlError) {
        try check(ccurl_easy_setopt_slist(raw, option, list.head))
    }

    func setReadFunction(_ function: CCurlReadFunction) throws(CurlError) {
        try check(ccurl_easy_setopt_read_function(raw, function))
    }

    func setWriteFunction(_ function: CCurlWriteFunction) throws(CurlError) {
        try check(ccurl_easy_setopt_write_function(raw, function))
    }

    func setDebugFunction(_ function: CCurlDebugFunction?) throws(CurlError) {
        try check(ccurl_easy_setopt_debug_function(raw, function))
    }

    func info(_ info: CURLINFO) -> Int? {
        var value = 0
        return ccurl_easy_getinfo_long(raw, info, &value) == CURLE_OK ? value : nil
    }
}
