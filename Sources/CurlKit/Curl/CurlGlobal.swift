import CCurl
import CCurlShim

/// `curl_global_init` runs once per process, before the first handle: a Swift global `let` is
/// initialized exactly once, thread-safely (swift_once), so concurrent first uses are fine.
enum CurlGlobal {
    private static let initialization: CURLcode = curl_global_init(ccurl_global_all())

    static func ensureInitialized() throws(CurlError) {
        try check(initialization)
    }
}
