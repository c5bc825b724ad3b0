import App
import LanToaBenchmarks
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Vapor

// Sync throughput: simulated members send batches of support activities to POST /api/v1/sync over real HTTP;
// the baseline writes the same number of activities straight into the same database engine, in the same run.
//
//   swift run -c release SyncThroughput [--members 40] [--batches 10] [--batch-size 500] [--spread commune]
//   LANTOA_BENCH_POSTGRES_URL=postgres://…/lantoa_bench swift run -c release SyncThroughput   (also PostgreSQL; the
//   database, whose name must start with lantoa_bench, is dropped and created again for each run)
//
// --spread places the members: `commune` (a hamlet each in one commune), `hamlet` (all in one), `province` (over one
// province's communes), `country` (over the 34 provinces), or `all`: hamlet, province and country one after the other
// on fresh databases, with the throughput ratios between them.

struct Options {
    var members = 40
    var batches = 10
    var batchSize = 500
    var spreads: [SyncBenchmark.Spread] = [.commune]

    init(_ arguments: [String]) {
        var i = 1
        while i < arguments.count - 1 {
            let value = Int(arguments[i + 1]) ?? 0
            switch arguments[i] {
            case "--spread":
                let name = arguments[i + 1]
                if name == "all" {
                    spreads = [.hamlet, .province, .country]
                } else if let spread = SyncBenchmark.Spread(rawValue: name) {
                    spreads = [spread]
                } else {
                    fatalError("--spread is one of \(SyncBenchmark.Spread.allCases.map(\.rawValue).joined(separator: ", ")), all")
                }
            case "--members": members = value
            case "--batches": batches = value
            case "--batch-size": batchSize = value
            default: break
            }
            i += 2
        }
    }
}

/// Writes a line at once, also into a file or a pipe: what was measured is kept if a later run fails.
func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

let options = Options(CommandLine.arguments)
var engines: [(String, AppConfig.Storage)] = [("sqlite", .sqlite(path: NSTemporaryDirectory() + "lantoa-bench-\(getpid()).sqlite"))]
if let url = ProcessInfo.processInfo.environment["LANTOA_BENCH_POSTGRES_URL"], !url.isEmpty {
    engines.append(("postgres", .postgres(url: url)))
}

say("Sync throughput: \(options.members) members × \(options.batches) batches × \(options.batchSize) activities over HTTP")
for (name, storage) in engines {
    var rates: [SyncBenchmark.Spread: Double] = [:]
    for spread in options.spreads {
        let result = try await SyncBenchmark.run(storage: storage, options: (options.members, options.batches, options.batchSize), spread: spread)
        rates[spread] = result.syncRate
        say(String(format: "%@, members in %@: sync %.0f activities/s (%d in %.2f s, %d batches sent again after 503) · direct insert baseline %.0f activities/s · ratio %.2f",
                     name, spread.rawValue, result.syncRate, result.count, result.syncSeconds, result.retries, result.baselineRate,
                     result.syncRate / result.baselineRate))
    }
    if let country = rates[.country], let province = rates[.province], let hamlet = rates[.hamlet] {
        say(String(format: "%@: 34 provinces ÷ one province %.2f · 34 provinces ÷ one hamlet %.2f · one province ÷ one hamlet %.2f",
                     name, country / province, country / hamlet, province / hamlet))
    }
}
