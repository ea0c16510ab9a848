/// A domain object stored as one document, guarded by optimistic concurrency.
///
/// `version` is the number of successful writes: 0 before the first insert. A store refuses an
/// update whose version is not the stored one (a lost update becomes a `StoreError.conflict`).
public protocol Aggregate: Codable, Sendable, Identifiable where ID == Identifier<Self> {
    var version: Int { get set }
}
