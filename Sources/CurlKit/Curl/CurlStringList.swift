import CCurl

/// Owns a `struct curl_slist *` and frees it when dropped.
struct CurlStringList: ~Copyable {
    let head: UnsafeMutablePointer<curl_slist>?

    init(_ strings: [String]) throws(CurlError) {
        var list: UnsafeMutablePointer<curl_slist>? = nil
        for string in strings {
            guard let appended = string.withCString({ curl_slist_append(list, $0) }) else {
                curl_slist_free_all(list)
                throw .outOfMemory("a string list")
            }
            list = appended
        }
        head = list
    }

    deinit {
        curl_slist_free_all(head)
    }
}
