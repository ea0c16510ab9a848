import CCurl

/// A libcurl call that did not return `CURLE_OK` / `CURLM_OK`. Internal to CurlKit: at the module
/// edge it becomes an `SMTPFailure`.
struct CurlError: Error, CustomStringConvertible {
    private enum Code {
        case easy(CURLcode)
        case multi(CURLMcode)
        case outOfMemory(String)
        case threadStart(Int32)
    }

    private let code: Code

    private init(_ code: Code) { self.code = code }

    static func easy(_ code: CURLcode) -> CurlError { CurlError(.easy(code)) }
    static func multi(_ code: CURLMcode) -> CurlError { CurlError(.multi(code)) }
    static func outOfMemory(_ what: String) -> CurlError { CurlError(.outOfMemory(what)) }
    static func threadStart(_ errno: Int32) -> CurlError { CurlError(.threadStart(errno)) }

    /// The easy-interface code, when the failure came from one.
    var easyCode: CURLcode? {
        if case .easy(let code) = code { return code }
        return nil
    }

    var description: String {
        switch code {
        case .easy(let code): return "curl: \(String(cString: curl_easy_strerror(code))) (\(code.rawValue))"
        case .multi(let code): return "curl multi: \(String(cString: curl_multi_strerror(code))) (\(code.rawValue))"
        case .outOfMemory(let what): return "curl: could not allocate \(what)"
        case .threadStart(let errno): return "could not start a curl thread: errno \(errno)"
        }
    }
}

/// The one place a libcurl easy-interface return code becomes a Swift error.
@inline(__always)
func check(_ code: CURLcode) throws(CurlError) {
    guard code == CURLE_OK else { throw .easy(code) }
}

/// The one place a libcurl multi-interface return code becomes a Swift error.
@inline(__always)
func check(_ code: CURLMcode) throws(CurlError) {
    guard code == CURLM_OK else { throw .multi(code) }
}
