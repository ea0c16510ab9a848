import ServiceLifecycle

/// Gives memory back to the system after a load ends (a flood of connections, a large send).
///
/// glibc malloc keeps what is freed in its arenas for later allocations and returns pages to the
/// system only from the top of a heap, so after 18,000 connections had closed the server stayed
/// at 194 MB resident with 3 MB of heap in use. Every `interval`, this reads what malloc holds and,
/// once the heap in use has fallen by `threshold` from its highest point since the last release,
/// calls `malloc_trim(0)`, which hands back every whole free page of every arena. A steady load
/// never triggers it; each flood that ends triggers it once.
struct MemoryReleaseService: Service {
    var interval: Duration = .seconds(5)
    var policy = MemoryReleasePolicy()
    var usage: @Sendable () -> MallocTuning.Usage? = MallocTuning.usage
    var release: @Sendable () -> Void = MallocTuning.releaseFreeMemory

    func run() async throws {
        var policy = self.policy
        while !Task.isCancelled {
            // Ends with the server's shutdown rather than being cancelled by it.
            let stopped = await cancelWhenGracefulShutdown { (try? await Task.sleep(for: interval)) == nil }
            if stopped || Task.isCancelled { return }
            if let usage = usage(), policy.shouldRelease(after: usage) { release() }
        }
    }
}

/// When to hand free memory back: after the heap in use fell by `threshold` from its highest
/// point since the last release, with at least `threshold` free inside the arenas; and again
/// while it keeps falling by a quarter of `threshold` after a release (the flood was still
/// ending: 2,000 connections closing take longer than one interval, and what they free after the
/// first release stayed resident, 34 MB of it in `bench soak`).
struct MemoryReleasePolicy: Sendable {
    var threshold = 8 * 1_048_576
    private var peak = 0
    private var allocatedAtLastRelease: Int?

    init(threshold: Int = 8 * 1_048_576) {
        self.threshold = threshold
    }

    mutating func shouldRelease(after usage: MallocTuning.Usage) -> Bool {
        peak = max(peak, usage.allocated)
        let fellFromPeak = peak - usage.allocated >= threshold && usage.free >= threshold
        let stillFalling = allocatedAtLastRelease.map { $0 - usage.allocated >= threshold / 4 } ?? false
        guard fellFromPeak || stillFalling else { return false }
        peak = usage.allocated
        allocatedAtLastRelease = usage.allocated
        return true
    }
}
