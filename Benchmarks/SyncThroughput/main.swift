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
//   swift run -c release SyncThroughput [--members 40] [--batches 10] [--batch-size 500]
//   LANTOA_BENCH_POSTGRES_URL=postgres://… swift run -c release SyncThroughput   (also PostgreSQL)

struct Options {
    var members = 40
    var batches = 10
    var batchSize = 500

    init(_ arguments: [String]) {
        var i = 1
        while i < arguments.count - 1 {
            let value = Int(arguments[i + 1]) ?? 0
            switch arguments[i] {
            case "--members": members = value
            case "--batches": batches = value
            case "--batch-size": batchSize = value
            default: break
            }
            i += 2
        }
    }
}

let options = Options(CommandLine.arguments)
var engines: [(String, AppConfig.Storage)] = [("sqlite", .sqlite(path: NSTemporaryDirectory() + "lantoa-bench-\(getpid()).sqlite"))]
if let url = ProcessInfo.processInfo.environment["LANTOA_BENCH_POSTGRES_URL"], !url.isEmpty {
    engines.append(("postgres", .postgres(url: url)))
}

print("Sync throughput: \(options.members) members × \(options.batches) batches × \(options.batchSize) activities over HTTP")
for (name, storage) in engines {
    let result = try await SyncBenchmark.run(storage: storage, options: (options.members, options.batches, options.batchSize))
    print(String(format: "%@: sync %.0f activities/s (%d in %.2f s) · direct insert baseline %.0f activities/s · ratio %.2f",
                 name, result.syncRate, result.count, result.syncSeconds, result.baselineRate, result.syncRate / result.baselineRate))
}
