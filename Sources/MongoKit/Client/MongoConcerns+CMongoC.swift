internal import CMongoC

extension MongoConcerns {
    /// A new mongoc_write_concern_t the caller destroys.
    func makeWriteConcern() -> OpaquePointer {
        let concern = mongoc_write_concern_new()!
        let timeout = writeTimeout.map { Int32(clamping: $0.milliseconds) } ?? 0
        switch writeConcern {
        case .majority:
            mongoc_write_concern_set_wmajority(concern, timeout)
        case .nodes(let nodes):
            mongoc_write_concern_set_w(concern, Int32(clamping: nodes))
            mongoc_write_concern_set_wtimeout_int64(concern, Int64(timeout))
        case .tag(let tag):
            mongoc_write_concern_set_wtag(concern, tag)
            mongoc_write_concern_set_wtimeout_int64(concern, Int64(timeout))
        }
        if let journal { mongoc_write_concern_set_journal(concern, journal) }
        return concern
    }

    /// A new mongoc_read_concern_t the caller destroys.
    func makeReadConcern() -> OpaquePointer {
        let concern = mongoc_read_concern_new()!
        if let level = readConcern.level { mongoc_read_concern_set_level(concern, level) }
        return concern
    }

    /// New mongoc_transaction_opt_t carrying these concerns; the caller destroys it.
    func makeTransactionOptions() -> OpaquePointer {
        let options = mongoc_transaction_opts_new()!
        let writeConcern = makeWriteConcern()
        let readConcern = makeReadConcern()
        // The setters copy their argument.
        mongoc_transaction_opts_set_write_concern(options, writeConcern)
        mongoc_transaction_opts_set_read_concern(options, readConcern)
        mongoc_write_concern_destroy(writeConcern)
        mongoc_read_concern_destroy(readConcern)
        return options
    }
}

extension Duration {
    /// Whole milliseconds, rounded down, never negative.
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return max(0, seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }
}
