import App
import LanToaBenchmarks
import Foundation

// Dashboard and ranking latency on a database filled by `lantoa synth`, each beside the naive GROUP BY over the raw
// support log timed in the same run; then how fresh the national dashboard is after an acknowledged write.
//
//   DATABASE_URL=sqlite:///tmp/synth.sqlite lantoa synth --scale national
//   DashboardLatency --sqlite synth.sqlite [--postgres postgres://…] [--iterations 200] [--naive-iterations 5]

var engines: [(String, AppConfig.Storage)] = []
var iterations = 200
var naiveIterations = 5
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let flag = arguments.next() {
    let value = arguments.next() ?? ""
    switch flag {
    case "--sqlite": engines.append(("SQLite", .sqlite(path: value)))
    case "--postgres": engines.append(("PostgreSQL", .postgres(url: value)))
    case "--iterations": iterations = Int(value) ?? iterations
    case "--naive-iterations": naiveIterations = Int(value) ?? naiveIterations
    default: print("unknown option \(flag)"); exit(2)
    }
}
guard !engines.isEmpty else { print("give --sqlite PATH and/or --postgres URL"); exit(2) }

for (name, storage) in engines {
    let r = try await DashboardBenchmark.run(storage: storage, iterations: iterations, naiveIterations: naiveIterations)
    print("\(name): \(r.activities) support activities, \(r.sizeBytes / 1_048_576) MiB on disk, \(Int(r.residentMegabytes)) MiB resident")
    print("| what | p50 ms | p95 ms | p99 ms | naive p95 ms | naive ÷ rollups (p95) |")
    print("|---|---|---|---|---|---|")
    for t in r.timings {
        let naive = t.naive.map { String(format: "%.1f", $0) } ?? "—"
        let ratio = t.naive.map { String(format: "%.0f×", $0 / t.p95) } ?? "—"
        print(String(format: "| %@ | %.2f | %.2f | %.2f | %@ | %@ |", t.name, t.p50, t.p95, t.p99, naive, ratio))
    }
    for line in r.summaryChecks { print(line) }
    print("freshness: \(r.freshReads) of 20 acknowledged writes visible in the national dashboard on the very next read")
}
