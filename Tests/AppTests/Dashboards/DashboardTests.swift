import Fluent
import Foundation
import LanToaCore
import NIOConcurrencyHelpers
import SQLKit
import Testing
import Vapor
@testable import App

@Suite("Targets, campaigns, rollups, dashboards and rankings")
struct DashboardTests {
    static func indicator(_ board: DashboardResponse, _ code: String) throws -> DashboardIndicator {
        guard let found = board.indicators.first(where: { $0.code == code }) else { throw TestFailure("no indicator \(code)") }
        return found
    }

    static func dashboard(_ t: TestApp, unit: String, period: String = "2026", hierarchy: String? = nil, token: String) async throws -> DashboardResponse {
        let reply = try await t.send(.GET, "/api/v1/dashboard?unit=\(unit)&period=\(period)" + (hierarchy.map { "&hierarchy=\($0)" } ?? ""), token: token)
        guard reply.status == .ok else { throw TestFailure("dashboard \(unit): \(reply.status) \(reply.text)") }
        return try reply.decode(DashboardResponse.self)
    }

    /// Every non-zero rollup row, and every non-zero row of the ranking summary (marked `summary|`), in one order.
    static func rollups(_ db: any Database) async throws -> [String] {
        let sql = db as! any SQLDatabase
        func lines(_ from: SQLQueryString, _ mark: String) async throws -> [String] {
            try await sql.raw("SELECT unit_id, key, period, value FROM " + from + " WHERE value <> 0").all().map { row in
                "\(mark)\(try row.decode(column: "unit_id", as: UUID.self))|\(try row.decode(column: "key", as: String.self))|" +
                    "\(try row.decode(column: "period", as: String.self))|\(try row.decode(column: "value", as: Int64.self))"
            }
        }
        return (try await lines(RollupRows.cells(sql) + " AS c", "") + lines("\(unsafeRaw: RollupSummary.schema)", "summary|")).sorted()
    }

    @Test("One support through the sync API shows on the hamlet's, commune's, province's and nation's dashboards at once",
          arguments: Engine.available)
    func freshness(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let v = try await OutreachTests.village(t)
            let admin = try await t.account("bo", role: .admin, scope: nil)
            let places = [v.hamlet, Fixtures.communeA, Fixtures.provinceA, "VN"]
            var before: [String: (Double, Int64?)] = [:]
            for p in places {
                let board = try await Self.dashboard(t, unit: p, token: admin)
                let coverage = try Self.indicator(board, "vneid_level2.coverage")
                before[p] = (try Self.indicator(board, "vneid_level2.done").actual, coverage.numerator)
                #expect(coverage.denominator == 4)   // aged 14 or more in 2026: all but the child born 2016
                #expect(try Self.indicator(board, "residents").actual == 5)
            }
            var batch = OutreachTests.Batch()
            batch.activities = [.init(id: UUID(), resident: v.residents[0], service: "vneid_level2", outcome: "done")]
            let reply = try await t.send(.POST, "/api/v1/sync", token: v.leader, json: batch)
            #expect(try reply.decode(SyncResponse.self).created == 1)
            for p in places {
                let board = try await Self.dashboard(t, unit: p, token: admin)
                let done = try Self.indicator(board, "vneid_level2.done")
                #expect(done.actual == before[p]!.0 + 1, "done at \(p)")
                #expect(done.trend.first { $0.date == "2026-11-30" }?.value == before[p]!.0 + 1, "trend at \(p)")
                let coverage = try Self.indicator(board, "vneid_level2.coverage")
                #expect(coverage.numerator == (before[p]!.1 ?? 0) + 1)
                #expect(coverage.actual == 25)
            }
            // The breakdown of the commune names the hamlet with its figure; a commune account cannot see the nation.
            let commune = try await Self.dashboard(t, unit: Fixtures.communeA, token: v.commune)
            #expect(try Self.indicator(commune, "vneid_level2.done").breakdown.first { $0.unit.code == v.hamlet }?.actual == 1)
            #expect(try await t.send(.GET, "/api/v1/dashboard?unit=VN", token: v.commune).status == .forbidden)
            #expect(try await t.send(.GET, "/api/v1/dashboard?unit=\(Fixtures.communeB)", token: v.commune).status == .forbidden)
            let bad = try await t.send(.GET, "/api/v1/dashboard?unit=\(Fixtures.communeA)&period=2026-13", token: v.commune)
            #expect(bad.status == .unprocessableEntity && bad.text.contains("period"))
        }
    }

    @Test("The nation's figures are kept in a stripe per province: syncs in two provinces add to two rows and to no national one, and the nation reads their sum",
          arguments: Engine.available)
    func nationStripes(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let v = try await OutreachTests.village(t)   // province A: five residents
            let communeB = try await t.account("xa-b", role: .commune, scope: Fixtures.communeB)
            let hamletB = try await t.hamlet("Thôn Bản Chắt", in: Fixtures.communeB, token: communeB)
            let leaderB = try await t.account("to-truong-b", role: .leader, scope: hamletB)
            let (house, person) = (UUID(), UUID())
            var batch = OutreachTests.Batch()
            batch.households = [["id": house.uuidString, "hamlet": hamletB, "address": "Số 1 thôn Bản Chắt", "headName": "Hoàng Văn Dũng"]]
            batch.residents = [.init(id: person, household: house, fullName: "Hoàng Văn Dũng", gender: "male", birthYear: 1975)]
            batch.activities = [.init(id: UUID(), resident: person, service: "vneid_level2", outcome: "done")]
            #expect(try await t.send(.POST, "/api/v1/sync", token: leaderB, json: batch).decode(SyncResponse.self).created == 3)
            var inA = OutreachTests.Batch()
            inA.activities = [.init(id: UUID(), resident: v.residents[0], service: "vneid_level2", outcome: "done"),
                              .init(id: UUID(), resident: v.residents[1], service: "vneid_level2", outcome: "done")]
            #expect(try await t.send(.POST, "/api/v1/sync", token: v.leader, json: inA).decode(SyncResponse.self).created == 2)

            let sql = t.app.db as! any SQLDatabase
            var done: [UUID: Int64] = [:]
            for row in try await sql.raw("SELECT unit_id, value FROM " + RollupRows.cells(sql) + " AS c WHERE key = 'done.vneid_level2' AND period = 'T'").all() {
                done[try row.decode(column: "unit_id", as: UUID.self)] = try row.decode(column: "value", as: Int64.self)
            }
            let provinceA = try #require(try await Unit.query(on: t.app.db).filter(\.$code == Fixtures.provinceA).filter(\.$tier == .province).filter(\.$validTo >= "2026-11-30").first())
            let provinceB = try #require(try await Unit.query(on: t.app.db).filter(\.$code == Fixtures.provinceB).filter(\.$tier == .province).filter(\.$validTo >= "2026-11-30").first())
            #expect(done[Rollups.nationStripe(provinceA.id!)] == 2 && done[provinceA.id!] == 2)
            #expect(done[Rollups.nationStripe(provinceB.id!)] == 1 && done[provinceB.id!] == 1)
            #expect(done.keys.filter(Rollups.isNation).count == 2)
            let national = try await sql.raw("SELECT COUNT(*) AS n FROM rollups WHERE unit_id = \(bind: Rollups.nation)").first(decodingColumn: "n", as: Int.self)
            #expect(national == 0)

            let admin = try await t.account("bo", role: .admin, scope: nil)
            let board = try await Self.dashboard(t, unit: "VN", token: admin)
            let vneid = try Self.indicator(board, "vneid_level2.done")
            #expect(vneid.actual == 3)
            #expect(vneid.trend.first { $0.date == "2026-11-30" }?.value == 3)
            #expect(try Self.indicator(board, "residents").actual == 6)
            #expect(vneid.breakdown.filter { $0.actual > 0 }.map(\.unit.code).sorted() == [Fixtures.provinceA, Fixtures.provinceB])
            // The rebuild puts every figure back in the same rows.
            let incremental = try await Self.rollups(t.app.db)
            try await RollupBuilder(db: t.app.db).rebuild()
            #expect(try await Self.rollups(t.app.db) == incremental)
        }
    }

    @Test("A commune's target split by population sums back; a typed split with a shortfall is a finding; a started period is frozen",
          arguments: Engine.available)
    func targets(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let v = try await OutreachTests.village(t)   // five residents in the first hamlet
            let second = try await t.hamlet("Tổ dân phố 4", in: Fixtures.communeA, token: v.commune)
            let leader2 = try await t.account("to-truong-4", role: .leader, scope: second)
            var batch = OutreachTests.Batch()
            batch.residents = (0..<3).map { i in
                .init(id: UUID(), hamlet: second, fullName: "Người dân \(i)", gender: "female", birthYear: 1990)
            }
            #expect(try await t.send(.POST, "/api/v1/sync", token: leader2, json: batch).decode(SyncResponse.self).created == 3)
            let province = try await t.account("tinh", role: .province, scope: Fixtures.provinceA)

            // The commune cannot set its own target; the province can, and the commune splits it.
            let body: [String: String] = ["unit": Fixtures.communeA, "indicator": "vneid_level2.done", "period": "2027"]
            var set = body
            struct Target: Encodable { var unit: String; var indicator: String; var period: String; var value: Double; var reason: String? }
            #expect(try await t.send(.PUT, "/api/v1/targets", token: v.commune,
                                     json: Target(unit: Fixtures.communeA, indicator: "vneid_level2.done", period: "2027", value: 80)).status == .forbidden)
            let made = try await t.send(.PUT, "/api/v1/targets", token: province,
                                        json: Target(unit: Fixtures.communeA, indicator: "vneid_level2.done", period: "2027", value: 80))
            #expect(made.status == .ok)
            set["method"] = "population"
            let split = try await t.send(.POST, "/api/v1/targets/split", token: v.commune, json: set).decode(TargetsResponse.self)
            #expect(split.children.map(\.value) == [50, 30])
            #expect(split.childrenTotal == 80 && split.finding == nil)

            struct Typed: Encodable { var unit: String; var indicator: String; var period: String; var method = "typed"; var values: [String: Double] }
            let typed = try await t.send(.POST, "/api/v1/targets/split", token: v.commune,
                                         json: Typed(unit: Fixtures.communeA, indicator: "vneid_level2.done", period: "2027",
                                                     values: [v.hamlet: 40, second: 20])).decode(TargetsResponse.self)
            #expect(typed.finding == SplitFinding(kind: .shortfall, amount: 20))
            let board = try await Self.dashboard(t, unit: Fixtures.communeA, period: "2027", token: v.commune)
            let done = try Self.indicator(board, "vneid_level2.done")
            #expect(done.target == 80 && done.childTargets == 60 && done.splitFinding == SplitFinding(kind: .shortfall, amount: 20))
            let missing = try await t.send(.POST, "/api/v1/targets/split", token: v.commune,
                                           json: Typed(unit: Fixtures.communeA, indicator: "vneid_level2.done", period: "2027", values: [v.hamlet: 40]))
            #expect(missing.status == .unprocessableEntity && missing.text.contains("values.\(second)"))

            // This year's period has started: a change needs a reason, and is audited.
            _ = try await t.send(.PUT, "/api/v1/targets", token: province,
                                 json: Target(unit: Fixtures.communeA, indicator: "vneid_level2.coverage", period: "2026", value: 90))
            let frozen = try await t.send(.PUT, "/api/v1/targets", token: province,
                                          json: Target(unit: Fixtures.communeA, indicator: "vneid_level2.coverage", period: "2026", value: 95))
            #expect(frozen.status == .unprocessableEntity && frozen.text.contains("reason"))
            let changed = try await t.send(.PUT, "/api/v1/targets", token: province,
                                           json: Target(unit: Fixtures.communeA, indicator: "vneid_level2.coverage", period: "2026", value: 95,
                                                        reason: "Nghị quyết HĐND điều chỉnh"))
            #expect(try changed.decode(TargetResponse.self).frozen)
            let audit = try await AuditEntry.query(on: t.app.db).filter(\.$entity == "target").all()
            #expect(audit.contains { $0.summary.contains("Nghị quyết HĐND điều chỉnh") })
            let rate = try await t.send(.PUT, "/api/v1/targets", token: province,
                                        json: Target(unit: Fixtures.communeA, indicator: "vneid_level2.coverage", period: "2027", value: 120))
            #expect(rate.status == .unprocessableEntity && rate.text.contains("value"))
        }
    }

    /// Synthetic data for two provinces formed in 2025 from four (Tuyên Quang = Hà Giang + Tuyên Quang; Lào Cai = Lào Cai + Yên Bái).
    static func synth(_ t: TestApp) async throws {
        var options = SyntheticData.Options(today: testToday)
        options.provinceCodes = ["08", "15"]
        options.hamletsPerCommune = 1
        options.residentsPerHamlet = 4
        options.membersPerTeam = 2
        options.activities = 2_000
        _ = try await SyntheticData(db: t.app.db, options: options).run()
        try await RollupBuilder(db: t.app.db).rebuild()
        // The reports of the ended months, counted as their periods close (added to the rollups, not rebuilt).
        let reports = try await SyntheticReports(db: t.app.db, seed: options.seed, today: testToday).run()
        #expect(reports.periods == 3 && reports.reports > 0)
    }

    @Test("rollups rebuild gives every figure the incremental updates gave, on generated data", arguments: Engine.available)
    func rebuild(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            try await Self.synth(t)
            #expect(try await SupportActivity.query(on: t.app.db).count() > 1_500)
            // Writes through the API on top: residents, supports, a correction, a team with members, one leaving, a dissolution.
            let v = try await OutreachTests.village(t)
            var batch = OutreachTests.Batch()
            let wrong = UUID()
            batch.activities = [
                .init(id: wrong, resident: v.residents[1], service: "bank_account", outcome: "done", on: "2026-11-03"),
                .init(id: UUID(), resident: v.residents[1], service: "bank_account", outcome: "done", on: "2026-11-12"),
                .init(id: UUID(), resident: v.residents[0], service: "vneid_level2", outcome: "guided", reason: "needs_follow_up"),
            ]
            _ = try await t.send(.POST, "/api/v1/sync", token: v.leader, json: batch)
            struct Correction: Encodable { var activities: [[String: String]] }
            let fix = try await t.send(.POST, "/api/v1/sync", token: v.leader, json: Correction(activities: [[
                "id": UUID().uuidString, "resident": v.residents[1].uuidString, "service": "bank_account", "outcome": "guided",
                "reason": "needs_follow_up", "supersedes": wrong.uuidString, "on": "2026-11-03",
            ]]))
            #expect(try fix.decode(SyncResponse.self).created == 1)
            let team = try await t.team(for: v.hamlet, token: v.commune)
            try await t.member(team, name: "Lê Văn An", phone: "0912345678", role: "leader", token: v.commune)
            let second = try await t.member(team, name: "Trần Thị Hoa", phone: "0912345679", token: v.commune)
            let membership = try #require(try second.json()["membershipId"] as? String)
            _ = try await t.send(.POST, "/api/v1/memberships/\(membership)/end", token: v.commune, json: ["date": "2026-11-20", "reason": "Chuyển công tác"])
            _ = try await t.send(.PATCH, "/api/v1/residents/\(v.residents[2])", token: v.leader, json: ["birthYear": 2010])
            _ = try await t.send(.POST, "/api/v1/indicator-values", token: v.commune,
                                 json: ["unit": AnyEncodable(stringLiteral: Fixtures.communeA), "indicator": "products_online", "on": "2026-11-15",
                                        "value": 12] as [String: AnyEncodable])
            let synthTeam = try #require(try await Team.query(on: t.app.db).filter(\.$id != UUID(uuidString: team)!).first())
            let admin = try await t.account("bo", role: .admin, scope: nil)
            _ = try await t.send(.PATCH, "/api/v1/teams/\(synthTeam.id!)", token: admin, json: ["status": "dissolved", "date": "2026-11-21"])

            // A province's own service with a minimum age no other has: everyone is counted as eligible at that age too.
            let service = try await t.send(.POST, "/api/v1/services", token: admin, json: [
                "code": "the_sim_chinh_chu", "name": "Thuê bao chính chủ", "pillar": "society", "province": "15", "minimumAge": 16,
            ] as [String: AnyEncodable])
            #expect(service.status == .created, "\(service.text)")
            // A hamlet's former commune corrected: its figures move from one former commune to another.
            var moved = false
            for hamlet in try await Unit.query(on: t.app.db).filter(\.$tier == .hamlet).filter(\.$formerPath != "").all() where !moved {
                let olds = try await UnitLineage.query(on: t.app.db).filter(\.$newUnitID == hamlet.parentID!).all(\.$oldUnitID)
                let communes = try await Unit.query(on: t.app.db).filter(\.$id ~~ olds).filter(\.$tier == .commune).all()
                guard let from = communes.first(where: { hamlet.formerPath.hasPrefix($0.path) }),
                      let to = communes.first(where: { !hamlet.formerPath.hasPrefix($0.path) }) else { continue }
                let key = "done.vneid_level2"
                let reader = FigureReader(db: t.app.db)
                let own = try await reader.sums(units: [hamlet.id!], keys: [key], periods: ["T"])[hamlet.id!]?[key] ?? 0
                guard own > 0 else { continue }
                let before = try await reader.sums(units: [from.id!, to.id!], keys: [key], periods: ["T"])
                let bad = try await t.send(.PUT, "/api/v1/units/\(hamlet.code)/former-commune", token: admin, json: ["formerCommune": hamlet.code])
                #expect(bad.status == .unprocessableEntity && bad.text.contains("formerCommune"))
                let done = try await t.send(.PUT, "/api/v1/units/\(hamlet.code)/former-commune", token: admin, json: ["formerCommune": to.code])
                #expect(done.status == .ok, "\(done.text)")
                let after = try await reader.sums(units: [from.id!, to.id!], keys: [key], periods: ["T"])
                #expect((after[from.id!]?[key] ?? 0) == (before[from.id!]?[key] ?? 0) - own)
                #expect((after[to.id!]?[key] ?? 0) == (before[to.id!]?[key] ?? 0) + own)
                moved = true
            }
            #expect(moved)
            let incremental = try await Self.rollups(t.app.db)
            #expect(incremental.contains { $0.contains("|elig.16|T|") })
            #expect(incremental.contains { $0.contains("|manual.products_online|T|12") })
            // The generated reports' completeness, counted as October closed.
            #expect(incremental.contains { $0.contains("|reports.expected.to_thang|") } && incremental.contains { $0.contains("|reports.on_time.xa_thang|") })
            try await CommandTests().run(RollupsCommand(), ["rebuild", "--batch-weight", "0"], on: t.app)
            let rebuilt = try await Self.rollups(t.app.db)
            #expect(rebuilt.count == incremental.count)
            #expect(Set(rebuilt).symmetricDifference(incremental).sorted().prefix(10) == [])

            // Above, the whole country in one batch; here in about 12 batches of paths, carrying a few hundred figures
            // at most between additions to the table: the same figures.
            let sql = t.app.db as! any SQLDatabase
            // The data has hamlets with a place in the former hierarchy: written with their batch, while their former
            // communes, districts and provinces are carried.
            let formerHamlets = try await sql.raw("SELECT COUNT(*) AS n FROM units WHERE tier = 'hamlet' AND former_path <> ''")
                .first(decodingColumn: "n", as: Int.self)
            try #require((formerHamlets ?? 0) > 0)
            var weight = 0
            for table in ["support_activities", "residents"] {
                weight += try #require(try await sql.raw("SELECT COUNT(*) AS n FROM \(unsafeRaw: table)").first(decodingColumn: "n", as: Int.self))
            }
            let lines = NIOLockedValueBox<[String]>([])
            let batched = RollupBuilder(db: t.app.db, progress: { line in lines.withLockedValue { $0.append(line) } },
                                        weightPerBatch: weight / 12, carryLimit: 300)
            let batches = try await batched.batches()
            #expect(batches.count >= 10 && batches.first?.low == "" && batches.last?.high == nil)
            #expect(zip(batches, batches.dropFirst()).allSatisfy { $0.high == $1.low })
            try await batched.rebuild()
            #expect(Set(try await Self.rollups(t.app.db)).symmetricDifference(incremental).sorted().prefix(10) == [])
            let shown = lines.withLockedValue { $0 }
            #expect(shown.contains { $0.hasPrefix("[") && $0.contains("% · batch 1 of \(batches.count) ·") })
            #expect(shown.contains { $0.hasPrefix("[" + String(repeating: "#", count: 30) + "] 100 % · batch \(batches.count) of \(batches.count)") })
        }
    }

    @Test("Syncs sent at the same time, all adding to the same rollup rows, all count", arguments: Engine.available)
    func concurrentSyncs(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let v = try await OutreachTests.village(t)
            let admin = try await t.account("bo", role: .admin, scope: nil)
            let services = ["vneid_level2", "bank_account", "ehealth_book", "vssid"]
            let before = try await Self.dashboard(t, unit: "VN", token: admin)
            // 20 supports in 7 requests at once (no more than the test client's connections): every one adds to the
            // nation's, the province's and the commune's rows for today, its month, year and total, and residents of
            // one household visit it at once.
            let pairs = v.residents.flatMap { r in services.map { (r, $0) } }
            let replies = try await withThrowingTaskGroup(of: (HTTPStatus, String).self) { group in
                for chunk in pairs.chunked(3) {
                    var batch = OutreachTests.Batch()
                    batch.activities = chunk.map { .init(id: UUID(), resident: $0.0, service: $0.1, outcome: "done") }
                    let body = batch
                    group.addTask {
                        // As the phone does: a 503 (no connection in time on a loaded machine) is sent again after
                        // Retry-After; what is acknowledged must all count.
                        for _ in 0..<5 {
                            let reply = try await t.send(.POST, "/api/v1/sync", token: v.leader, json: body)
                            guard reply.status == .serviceUnavailable else { return (reply.status, reply.text) }
                            try await Task.sleep(for: .seconds(Int(reply.headers.first(name: "Retry-After") ?? "") ?? 1))
                        }
                        return (.serviceUnavailable, "")
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(replies.count == 7 && replies.allSatisfy { $0.0 == .ok }, "\(replies.filter { $0.0 != .ok })")
            let created = try replies.map { try JSONDecoder().decode(SyncResponse.self, from: Data($0.1.utf8)).created }.reduce(0, +)
            // The child of the village is too young for some services: those supports are refused, the rest count.
            #expect(created >= 16)
            let after = try await Self.dashboard(t, unit: "VN", token: admin)
            var added = 0.0
            for service in services {
                added += try Self.indicator(after, "\(service).done").actual - Self.indicator(before, "\(service).done").actual
            }
            #expect(added == Double(created))
            let incremental = try await Self.rollups(t.app.db)
            try await CommandTests().run(RollupsCommand(), ["rebuild"], on: t.app)
            let rebuilt = try await Self.rollups(t.app.db)
            #expect(Set(rebuilt).symmetricDifference(incremental).sorted() == [])
        }
    }

    @Test("A sync waiting for another batch of its hamlet does not hold up other requests", arguments: Engine.available.filter { $0 == .postgres })
    func waitingSyncLeavesRoom(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let v = try await OutreachTests.village(t)
            let admin = try await t.account("bo", role: .admin, scope: nil)
            guard case let .postgres(url) = t.app.lantoaConfig.storage,
                  let hamlet = try await Unit.query(on: t.app.db).filter(\.$code == v.hamlet).first() else { throw TestFailure("no hamlet") }
            // Another session holds the hamlet's lock, as a batch of the same hamlet in the middle of its transaction.
            let (release, releaser) = AsyncStream<Void>.makeStream()
            let (locked, locker) = AsyncStream<Void>.makeStream()
            let key = Rollups.lockKey(hamlet.id!)
            let holding = Task {
                try await TestDatabases.connect(url) { db in
                    try await db.transaction { tx in
                        try await (tx as! any SQLDatabase).raw("SELECT pg_advisory_xact_lock(\(bind: key))").run()
                        locker.yield()
                        for await _ in release { break }
                    }
                }
            }
            do {
                for await _ in locked { break }
                var batch = OutreachTests.Batch()
                batch.activities = [.init(id: UUID(), resident: v.residents[0], service: "vneid_level2", outcome: "done")]
                let body = batch
                let waiting = Task { try await t.send(.POST, "/api/v1/sync", token: v.leader, json: body) }
                let sql = t.app.db as! any SQLDatabase
                func waiters() async throws -> Int {
                    try await sql.raw("""
                        SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
                            AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                        """).first()?
                        .decode(column: "n", as: Int.self) ?? 0
                }
                var polls = 0
                while try await waiters() == 0 {
                    polls += 1
                    guard polls < 6000 else { throw TestFailure("the sync never came to wait for the hamlet's lock") }
                    try await Task.sleep(for: .milliseconds(20))
                }
                // More requests than there are event loops, at once: some come to the loop of the waiting sync.
                let replies = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                    for _ in 0..<8 { group.addTask { try await t.send(.GET, "/api/v1/dashboard?unit=VN&period=2026", token: admin).status } }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(replies == Array(repeating: .ok, count: 8))
                #expect(try await waiters() == 1, "the sync was still waiting while the others were answered")
                releaser.yield()
                try await holding.value
                let reply = try await waiting.value
                let created = try reply.json()["created"] as? Int
                #expect(reply.status == .ok && created == 1, "\(reply.text)")
            } catch {
                releaser.yield()
                _ = try? await holding.value
                throw error
            }
        }
    }

    @Test("Parts read together in one scan give each part the sums of exactly its own rows, on generated data", arguments: Engine.available)
    func mergedScans(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            try await Self.synth(t)
            // Every figure, as the oracle: the parts' sums are computed from these by filtering, with no scan merging.
            // The nation's stripes are the nation's.
            var cells: [(unit: UUID, key: String, period: String, value: Int64)] = []
            for line in try await Self.rollups(t.app.db) where !line.hasPrefix("summary|") {
                let f = line.split(separator: "|").map(String.init)
                let unit = UUID(uuidString: f[0])!
                cells.append((Rollups.isNation(unit) ? Rollups.nation : unit, f[1], f[2], Int64(f[3])!))
            }
            #expect(cells.contains { $0.unit == Rollups.nation })
            let units = Array(Set(cells.map(\.unit))).sorted { $0.uuidString < $1.uuidString }
            let someUnits = Array(units.prefix(40)), otherUnits = Array(units.suffix(25))
            let keys = ["done.vneid_level2", "first.vneid_level2", "residents", "teams", "elig.14", "done.bank_account"]
            var query = FigureQuery()
            // Overlapping ranges of one grain over the same units (one scan), another unit set, single keys and key lists.
            query.flows("a", units: someUnits, keys: keys, from: LocalDate("2026-01-01")!, to: LocalDate("2026-12-31")!)
            query.stocks("b", units: someUnits, keys: keys.suffix(3), at: LocalDate("2026-11-17")!)
            query.flows("c", units: someUnits, keys: keys.prefix(2), from: LocalDate("2025-01-01")!, to: LocalDate("2025-12-31")!)
            query.flows("d", units: otherUnits, keys: keys, from: LocalDate("2026-10-05")!, to: LocalDate("2026-11-20")!)
            query.sums("e", units: someUnits, keys: keys, periods: ["T", "Y2026", "M2026-10", "M2026-11", "D2026-11-03"])
            query.rows("f", units: otherUnits, keys: keys, periods: ["M2026-09", "M2026-11", "D2026-11-02", "D2026-11-05", "Y2025"])
            // A scan of one key (SQLite's extraction then names it twice, to get an array).
            query.sums("g", units: Array(units.prefix(30)), keys: ["residents"], periods: ["T"])
            let results = try await FigureReader(db: t.app.db).run(query)
            #expect(FigureReader.scans(query).count < query.parts.count)
            var expected: [String: [String: [String: Int64]]] = [:]
            for part in query.parts {
                for cell in cells where part.units.contains(cell.unit) && part.keys.contains(cell.key) {
                    switch part.periods {
                    case let .keys(list): guard list.contains(cell.period) else { continue }
                    case let .range(range): guard cell.period >= range.low, cell.period <= range.high else { continue }
                    }
                    let group = part.grouping == .unit ? cell.unit.uuidString : cell.period
                    expected[part.tag, default: [:]][group, default: [:]][cell.key, default: 0] += cell.value
                }
            }
            var got: [String: [String: [String: Int64]]] = [:]
            for (tag, byUnit) in results.units { for (unit, byKey) in byUnit { got[tag, default: [:]][unit.uuidString] = byKey } }
            for (tag, byKey) in results.periods {
                for (key, byPeriod) in byKey { for (period, v) in byPeriod { got[tag, default: [:]][period, default: [:]][key] = v } }
            }
            #expect(expected.keys.count == 7)
            #expect(got == expected)
        }
    }

    @Test("2024 figures under the 63 old provinces and the 34 new ones give the same national total, province by province; rankings and review",
          arguments: Engine.available)
    func hierarchies(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            try await Self.synth(t)
            let admin = try await t.account("bo", role: .admin, scope: nil)
            let old = try await Self.dashboard(t, unit: "VN", period: "2024", hierarchy: "2024-12-31", token: admin)
            let new = try await Self.dashboard(t, unit: "VN", period: "2024", token: admin)
            let oldDone = try Self.indicator(old, "vneid_level2.done")
            let newDone = try Self.indicator(new, "vneid_level2.done")
            #expect(oldDone.breakdown.count == 63 && newDone.breakdown.count == 34)
            let national = newDone.actual
            #expect(national > 0)
            #expect(oldDone.breakdown.map(\.actual).reduce(0, +) == national)
            #expect(newDone.breakdown.map(\.actual).reduce(0, +) == national)
            #expect(oldDone.actual == national)
            // The parts: each hamlet's 2024 figure, by its old and its new province.
            var parts: [String: [String: Double]] = [:]   // new province code → old province code → figure
            let provinces = Dictionary(try await Unit.query(on: t.app.db).filter(\.$tier == .province).all().map { ($0.id!, $0.code) },
                                       uniquingKeysWith: { a, _ in a })
            for hamlet in try await Unit.query(on: t.app.db).filter(\.$tier == .hamlet).all() {
                let figure = try await FigureReader(db: t.app.db)
                    .sums(units: [hamlet.id!], keys: ["done.vneid_level2"], periods: ["Y2024"])[hamlet.id!]?["done.vneid_level2"] ?? 0
                let newCode = provinces[Rollups.chain(path: hamlet.path, formerPath: "")[1]]!
                let oldCode = provinces[Rollups.chain(path: hamlet.formerPath, formerPath: "")[1]]!
                parts[newCode, default: [:]][oldCode, default: 0] += Double(figure)
            }
            #expect(Set(parts["08"]!.keys) == ["02", "08"] && Set(parts["15"]!.keys) == ["10", "15"])
            for row in newDone.breakdown {
                #expect(row.actual == (parts[row.unit.code]?.values.reduce(0, +) ?? 0), "new province \(row.unit.code)")
            }
            for row in oldDone.breakdown {
                #expect(row.actual == parts.values.reduce(0) { $0 + ($1[row.unit.code] ?? 0) }, "old province \(row.unit.code)")
            }

            // Communes ranked by % of plan and per 1,000 residents with the tie rule; commend, remind and quiet teams.
            let ranking = try await t.send(.GET, "/api/v1/rankings?unit=VN&tier=commune&indicator=vneid_level2.done&period=2026", token: admin)
                .decode(RankingResponse.self)
            #expect(ranking.entries.count > 100)
            #expect(ranking.entries.map(\.rank) == Array(1...ranking.entries.count))
            for (a, b) in zip(ranking.entries, ranking.entries.dropFirst()) {
                #expect(a.value > b.value || (a.value == b.value && a.unit.code < b.unit.code))
            }
            #expect(ranking.entries.contains { $0.previousRank != nil && $0.previousValue! > 0 })
            let per1000 = try await t.send(.GET, "/api/v1/rankings?unit=15&indicator=vneid_level2.done&period=2026&measure=per1000", token: admin)
                .decode(RankingResponse.self)
            for e in per1000.entries where e.residents > 0 {
                #expect(abs(e.value - (e.actual * 1000 / Double(e.residents))) < 0.06)
            }
            // Targets for the communes of Lào Cai, then the monthly review.
            struct Target: Encodable { var unit: String; var indicator: String; var period: String; var value: Double }
            #expect(try await t.send(.PUT, "/api/v1/targets", token: admin,
                                     json: Target(unit: "15", indicator: "vneid_level2.done", period: "2026", value: 2_000)).status == .ok)
            let split = try await t.send(.POST, "/api/v1/targets/split", token: admin,
                                         json: ["unit": "15", "indicator": "vneid_level2.done", "period": "2026", "method": "even"])
                .decode(TargetsResponse.self)
            #expect(split.childrenTotal == 2_000)
            let review = try await t.send(.GET, "/api/v1/review?unit=15&indicator=vneid_level2.done&period=2026&top=3&threshold=60&inactiveDays=30",
                                          token: admin).decode(ReviewResponse.self)
            #expect(review.commend.count == 3)
            #expect(review.commend.map(\.rank) == [1, 2, 3])
            #expect(review.remind.allSatisfy { ($0.percentOfPlan ?? 0) < 60 })
            #expect(review.remind.count == review.ranking.entries.filter { ($0.percentOfPlan ?? 0) < 60 }.count)
            #expect(!review.inactiveTeams.isEmpty)
            #expect(review.inactiveTeams.allSatisfy { ($0.daysInactive ?? 999) >= 30 })
        }
    }

    @Test("A campaign follows its units day by day against its target", arguments: Engine.available)
    func campaign(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let v = try await OutreachTests.village(t)
            let province = try await t.account("tinh", role: .province, scope: Fixtures.provinceA)
            struct Body: Encodable {
                var name = "92 ngày đêm cao điểm VNeID"
                var start = "2026-11-01"
                var end = "2026-11-30"
                var owner = Fixtures.provinceA
                var units = [Fixtures.communeA]
                var targets = [["indicator": "vneid_level2.done", "value": 10] as [String: AnyEncodable]]
            }
            let created = try await t.send(.POST, "/api/v1/campaigns", token: province, json: Body())
            #expect(created.status == .created, "\(created.text)")
            let id = try created.decode(CampaignResponse.self).id
            var batch = OutreachTests.Batch()
            batch.activities = [
                .init(id: UUID(), resident: v.residents[0], service: "vneid_level2", outcome: "done", on: "2026-11-05"),
                .init(id: UUID(), resident: v.residents[1], service: "vneid_level2", outcome: "done", on: "2026-11-20"),
                .init(id: UUID(), resident: v.residents[3], service: "vneid_level2", outcome: "done", on: "2026-10-20"),
            ]
            _ = try await t.send(.POST, "/api/v1/sync", token: v.leader, json: batch)
            let progress = try await t.send(.GET, "/api/v1/campaigns/\(id)", token: province).decode(CampaignResponse.self)
            let done = try #require(progress.progress?.first)
            #expect(done.actual == 2 && done.target == 10 && done.percentOfPlan == 20)
            #expect(done.trend.count == 30)
            #expect(done.trend.first { $0.date == "2026-11-04" }?.value == 0)
            #expect(done.trend.first { $0.date == "2026-11-05" }?.value == 1)
            #expect(done.trend.last?.value == 2)
            // The same progress on the web: listed, then shown with its day-by-day chart and its units.
            let web = try await WebSession.signIn(t, login: "tinh", password: "mat-khau-123")
            let list = try await web.send(.GET, "/campaigns")
            #expect(list.status == .ok && list.text.contains("92 ngày đêm cao điểm VNeID") && list.text.contains("/campaigns/\(id.uuidString.lowercased())"))
            let page = try await web.send(.GET, "/campaigns/\(id.uuidString.lowercased())")
            #expect(page.status == .ok && page.text.contains("<strong id=\"selected-actual\">2</strong>"))
            #expect(page.text.contains("<polyline") && page.text.contains("Phường Ba Đình"))
            var bad = Body()
            bad.end = "2026-10-01"
            let refused = try await t.send(.POST, "/api/v1/campaigns", token: province, json: bad)
            #expect(refused.status == .unprocessableEntity && refused.text.contains("end"))

            // Launched from the web form: errors name the fields in Vietnamese and write nothing; then it is launched.
            let form = try await web.send(.GET, "/campaigns")
            #expect(form.text.contains("id=\"campaign-form\"") && form.text.contains("value=\"\(Fixtures.communeA)\""))
            func fields(_ start: String, _ value: String) -> [(String, String)] {
                [("name", "Tháng cao điểm thanh toán số"), ("start", start), ("end", "2026-12-31"), ("units[]", Fixtures.communeA),
                 ("indicators[]", "epayment_account.done"), ("values[]", value), ("indicators[]", ""), ("values[]", "")]
            }
            let wrong = try await web.send(.POST, "/campaigns", pairs: fields("31/12/2026x", "mười"))
            #expect(wrong.status == .unprocessableEntity)
            #expect(wrong.text.contains("Giá trị dòng 1: "), "\(wrong.text)")
            let late = try await web.send(.POST, "/campaigns", pairs: fields("2027-01-05", "1.500"))
            #expect(late.status == .unprocessableEntity && late.text.contains("Ngày kết thúc: "), "\(late.text)")
            #expect(late.text.contains("value=\"Tháng cao điểm thanh toán số\"") && late.text.contains("value=\"1.500\""))
            #expect(try await CampaignRecord.query(on: t.app.db).count() == 1)
            let launched = try await web.send(.POST, "/campaigns", pairs: fields("01/12/2026", "1.500"))
            #expect(launched.status == .seeOther, "\(launched.text)")
            let made = try #require(try await CampaignRecord.query(on: t.app.db).filter(\.$name == "Tháng cao điểm thanh toán số").first())
            #expect(made.startOn == "2026-12-01" && made.endOn == "2026-12-31" && made.unitCodes == Fixtures.communeA)
            #expect(made.indicatorCodes == "epayment_account.done" && made.unitPath.hasSuffix("/") && made.ownerID != Rollups.nation)
            let target = try await TargetRecord.query(on: t.app.db).filter(\.$campaignID == made.id).all()
            #expect(target.map(\.value) == [1_500])
            #expect(launched.headers.first(name: .location) == "/campaigns/\(made.id!.uuidString.lowercased())")
        }
    }
}

/// A JSON value of either kind, for request bodies mixing strings and numbers.
struct AnyEncodable: Encodable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    let encodeValue: (inout any SingleValueEncodingContainer) throws -> Void

    init(stringLiteral value: String) { encodeValue = { try $0.encode(value) } }
    init(integerLiteral value: Int) { encodeValue = { try $0.encode(value) } }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try encodeValue(&c)
    }
}
