import Foundation
import CarteiroStore
import Prometheus

/// The process's own figures on `/metrics`, read when scraped: resident memory and open
/// descriptors (the names Prometheus's process collectors use), and what malloc holds, which
/// tells memory still in use from memory freed but not given back.
struct ProcessGauges: Sendable {
    private let resident: Gauge
    private let descriptors: Gauge
    private let heapAllocated: Gauge
    private let heapFree: Gauge
    private let sqliteMemory: Gauge

    init(registry: PrometheusCollectorRegistry) {
        func gauge(_ name: String, _ unit: String, _ help: String) -> Gauge {
            registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "process", metricName: name, unitName: unit, helpText: help))
        }
        resident = gauge("resident_memory", "bytes", "Resident memory size in bytes.")
        descriptors = gauge("open", "fds", "Number of open file descriptors.")
        heapAllocated = gauge("heap_allocated", "bytes", "Bytes malloc has handed out and not had back (glibc mallinfo2).")
        heapFree = gauge("heap_free", "bytes", "Bytes freed but kept by malloc inside its arenas (glibc mallinfo2).")
        sqliteMemory = gauge(
            "sqlite_memory", "bytes", "Bytes of the heap SQLite holds: mostly the embedded store's page caches, which fill up to their bounds and stay.")
    }

    func update() {
        if let bytes = Self.residentBytes() { resident.set(Int64(bytes)) }
        descriptors.set(Int64(DescriptorReserve.openDescriptorCount()))
        if let usage = MallocTuning.usage() {
            heapAllocated.set(Int64(usage.allocated))
            heapFree.set(Int64(usage.free))
        }
        sqliteMemory.set(Int64(SQLiteStore.memoryInUse))
    }

    /// VmRSS from /proc/self/status (nil where there is no /proc).
    static func residentBytes() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kilobytes = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first.flatMap({ Int($0) })
        else { return nil }
        return kilobytes * 1024
    }
}
