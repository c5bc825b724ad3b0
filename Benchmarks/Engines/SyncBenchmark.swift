import AsyncHTTPClient
import Fluent
import Foundation
import LanToaCore
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import SQLKit
import Vapor
@testable import App

/// The sync throughput benchmark's engine (`Benchmarks/SyncThroughput`): it lives here to reach the app's internals
/// for the baseline (the same rows written straight through `SupportLogService.insert`).
public enum SyncBenchmark {
    public struct Result: Sendable {
        public var count: Int
        public var syncSeconds: Double
        public var syncRate: Double
        public var baselineRate: Double
        /// Batches answered 503 (busy, with Retry-After) and sent again.
        public var retries: Int
    }

    /// Where the simulated members work: the rollup rows their syncs share.
    public enum Spread: String, CaseIterable, Sendable {
        /// A hamlet per member, all in one commune (the original run).
        case commune
        /// Every member in one hamlet: all syncs add to the same rows, the hamlet's up to the nation's.
        case hamlet
        /// Members spread over the communes of one province: they share the province's rows and the nation's.
        case province
        /// Members spread over the 34 provinces, a commune in each: they share only the nation's rows.
        case country
    }

    public static func run(storage: AppConfig.Storage, options: (members: Int, batches: Int, batchSize: Int),
                           spread: Spread = .commune) async throws -> Result {
        // A fresh database for every run: the support log is append-only (no DELETE, no TRUNCATE) even here.
        switch storage {
        case let .sqlite(path): try? FileManager.default.removeItem(atPath: path)
        case let .postgres(url): try await recreate(url)
        }
        var env = Environment.production
        env.arguments = ["bench"]
        let app = try await Application.make(env)
        app.logger.logLevel = .warning
        do {
            try await configure(app, config: AppConfig(storage: storage))
            app.logger.logLevel = .warning
            try await app.autoMigrate()
            let result = try await measure(app, options: options, spread: spread)
            try await app.asyncShutdown()
            return result
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
    }

    /// Drops and creates the PostgreSQL database of `url`, through the server's `postgres` database. Only a database
    /// whose name starts with `lantoa_bench` is touched, so that a URL given by mistake never loses data.
    static func recreate(_ url: String) async throws {
        guard var parts = URLComponents(string: url), case let name = String(parts.path.dropFirst()), name.hasPrefix("lantoa_bench") else {
            throw Abort(.badRequest, reason: "LANTOA_BENCH_POSTGRES_URL must name a database called lantoa_bench…: the benchmark recreates it")
        }
        parts.path = "/postgres"
        var env = Environment.production
        env.arguments = ["bench"]
        let admin = try await Application.make(env)
        do {
            try await configure(admin, config: AppConfig(storage: .postgres(url: parts.string!)))
            let sql = admin.db as! any SQLDatabase
            try await sql.raw("DROP DATABASE IF EXISTS \(ident: name) WITH (FORCE)").run()
            try await sql.raw("CREATE DATABASE \(ident: name)").run()
            try await admin.asyncShutdown()
        } catch {
            try? await admin.asyncShutdown()
            throw error
        }
    }

    static func measure(_ app: Application, options: (members: Int, batches: Int, batchSize: Int), spread: Spread) async throws -> Result {
        let clock = app.clock
        let scope = Scope(actor: .system, db: app.db)
        let units = UnitService(scope: scope, clock: clock)
        // The communes the members' hamlets go in, one per member, round robin.
        let communes: [App.Unit]
        switch spread {
        case .commune, .hamlet:
            communes = [try await units.find(code: "00004", asOf: clock.today())]
        case .province, .country:
            let all = try await units.list(.init(tier: .commune, asOf: clock.today(), limit: 100_000)).items
            let byProvince = Dictionary(grouping: all) { $0.path.split(separator: "/").first.map(String.init) ?? "" }
            communes = spread == .province
                ? byProvince.values.max { $0.count < $1.count }!.sorted { $0.code < $1.code }
                : byProvince.values.map { $0.min { $0.code < $1.code }! }.sorted { $0.code < $1.code }
        }
        var tokens: [String] = []
        var residentsByMember: [[UUID]] = []
        let accounts = AccountService(db: app.db, clock: clock)
        let outreach = SupportLogService(scope: scope, clock: clock, protector: app.protector)
        let suffix = String(Int(Date().timeIntervalSince1970) % 100000)
        var shared: App.Unit?
        for m in 0..<options.members {
            let hamlet: App.Unit
            if spread == .hamlet, let shared {
                hamlet = shared
            } else {
                hamlet = try await units.createHamletInTransaction(parent: communes[m % communes.count], name: "Thôn đo \(suffix)-\(m)",
                                                                   demo: true, on: app.db)
                shared = hamlet
            }
            let login = "bench\(suffix)m\(m)"
            let user = try await accounts.create(CreateUserRequest(login: login, password: "benchmark-pass-2026", displayName: nil,
                                                                   role: "member", scope: hamlet.code), by: .system)
            tokens.append(try await accounts.issueToken(for: user).token)
            let residents = (0..<50).map { i in
                ResidentPayload(id: UUID(), household: nil, hamlet: hamlet.code, fullName: "Người đo \(m)-\(i)", gender: i % 2 == 0 ? "male" : "female",
                                birthYear: 1950 + i, cccd: nil, phone: nil, hasSmartphone: true, consentOn: "2026-01-01")
            }
            _ = try await outreach.sync(SyncRequest(households: nil, residents: residents, activities: nil)) { $0.key }
            residentsByMember.append(residents.map { $0.id! })
        }

        app.http.server.configuration.hostname = "127.0.0.1"
        app.http.server.configuration.port = 0
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        let port = app.http.server.shared.localAddress!.port!
        let client = HTTPClient(eventLoopGroupProvider: .shared(app.eventLoopGroup),
                                configuration: .init(connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: options.members)))
        let services = DigitalService.nationalDefaults.filter { $0.unit == .person && $0.minimumAge <= 14 }.map(\.code)
        // Bodies are built before the clock starts.
        var bodies: [[ByteBuffer]] = []
        for m in 0..<options.members {
            var memberBodies: [ByteBuffer] = []
            for _ in 0..<options.batches {
                let activities = (0..<options.batchSize).map { i in
                    ActivityPayload(id: UUID(), resident: residentsByMember[m][i % 50], household: nil, anonymousCount: nil, hamlet: nil,
                                    service: services[i % services.count], outcome: i % 4 == 0 ? "guided" : "done",
                                    reason: i % 4 == 0 ? "needs_follow_up" : nil, channel: "door_to_door", on: "2026-11-01", supersedes: nil)
                }
                memberBodies.append(ByteBuffer(data: try JSONEncoder().encode(SyncRequest(households: nil, residents: nil, activities: activities))))
            }
            bodies.append(memberBodies)
        }
        let url = "http://127.0.0.1:\(port)/api/v1/sync"
        let started = Date()
        let retries = NIOLockedValueBox(0)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for m in 0..<options.members {
                let token = tokens[m]
                let memberBodies = bodies[m]
                group.addTask {
                    for body in memberBodies {
                        var request = HTTPClientRequest(url: url)
                        request.method = .POST
                        request.headers.add(name: "Authorization", value: "Bearer \(token)")
                        request.headers.add(name: "Content-Type", value: "application/json")
                        request.body = .bytes(body)
                        // A busy server answers 503 with Retry-After: the batch is sent again after it, as the phone app does.
                        while true {
                            let response = try await client.execute(request, timeout: .seconds(300))
                            let reply = try await response.body.collect(upTo: 10 * 1024 * 1024)
                            if response.status == .ok { break }
                            guard response.status == .serviceUnavailable, let wait = response.headers.first(name: "Retry-After").flatMap(Int.init) else {
                                throw Abort(.internalServerError, reason: "sync answered \(response.status): \(String(buffer: reply).prefix(300))")
                            }
                            retries.withLockedValue { $0 += 1 }
                            try await Task.sleep(for: .seconds(wait))
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let syncSeconds = Date().timeIntervalSince(started)
        let count = options.members * options.batches * options.batchSize
        try await client.shutdown()
        await app.server.shutdown()
        let stored = try await SupportActivity.query(on: app.db).count()
        guard stored >= count else { throw Abort(.internalServerError, reason: "only \(stored) of \(count) activities stored") }

        // Baseline: the same rows written straight into the same engine (plain multi-row INSERTs, a transaction per
        // batch, no HTTP, no validation, no status upkeep).
        let hamlets = try await Resident.query(on: app.db).filter(\.$id ~~ residentsByMember.map { $0[0] }).all()
        let pathByResident = Dictionary(uniqueKeysWithValues: hamlets.map { ($0.id!, ($0.hamletID, $0.unitPath)) })
        let baselineStarted = Date()
        for m in 0..<options.members {
            let (hamletID, path) = pathByResident[residentsByMember[m][0]]!
            for _ in 0..<options.batches {
                let activities = (0..<options.batchSize).map { i -> SupportActivity in
                    let a = SupportActivity()
                    a.id = UUID()
                    a.receivedAt = Date()
                    a.hamletID = hamletID
                    a.unitPath = path
                    a.residentID = residentsByMember[m][i % 50]
                    a.anonymousCount = 0
                    a.serviceCode = services[i % services.count]
                    a.outcome = i % 4 == 0 ? .guided : .done
                    a.reason = i % 4 == 0 ? "needs_follow_up" : ""
                    a.channel = .doorToDoor
                    a.happenedOn = "2026-11-01"
                    return a
                }
                try await app.db.writeTransaction { db in _ = try await SupportLogService.insertRows(activities, ignoringTaken: false, on: db as! any SQLDatabase) }
            }
        }
        let baselineSeconds = Date().timeIntervalSince(baselineStarted)
        let total = try await SupportActivity.query(on: app.db).count()
        guard total == 2 * count else { throw Abort(.internalServerError, reason: "baseline stored \(total - count) of \(count)") }
        return Result(count: count, syncSeconds: syncSeconds, syncRate: Double(count) / syncSeconds, baselineRate: Double(count) / baselineSeconds,
                      retries: retries.withLockedValue { $0 })
    }
}
