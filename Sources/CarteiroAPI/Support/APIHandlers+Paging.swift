import CarteiroDomain

extension APIHandlers {
    /// A page request from the `limit` and `cursor` parameters (the document bounds the limit).
    func pageRequest(limit: Int?, cursor: String?) throws -> PageRequest {
        do {
            return try PageRequest(limit: limit ?? 100, cursor: cursor)
        } catch {
            throw APIError(error)
        }
    }
}
