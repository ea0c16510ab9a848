import CMallocShim

/// glibc malloc settings and figures: a bulk send must stay within 64 MB, and a server must give
/// memory back after a flood of connections.
public enum MallocTuning {
    /// One arena instead of one per thread: each arena keeps the memory its threads freed.
    /// Threads that allocate at the same time are few here (two cores' worth), so sharing costs no
    /// measurable speed. A thread's first allocation picks its arena, so `main` calls this before
    /// anything for `carteiro send`; `SendCommand.run` calls it again for in-process sends.
    public static func shareOneArena() { _ = carteiro_malloc_limit_arenas(1) }

    /// Hands the free pages inside the heap back to the system (malloc_trim), so that memory
    /// freed between batches in the middle of the heap does not stay resident. Cheap enough to
    /// call every few seconds.
    public static func releaseFreeMemory() { _ = carteiro_malloc_release_free_memory() }

    /// What malloc holds now, over every arena.
    public struct Usage: Sendable {
        /// Bytes handed out and not freed (arena chunks and mmapped ones).
        public var allocated: Int
        /// Bytes freed but kept inside the arenas.
        public var free: Int
    }

    /// nil where malloc cannot say (not glibc).
    public static func usage() -> Usage? {
        let usage = carteiro_malloc_usage_now()
        guard usage.known != 0 else { return nil }
        return Usage(allocated: Int(clamping: usage.allocated), free: Int(clamping: usage.free))
    }
}
