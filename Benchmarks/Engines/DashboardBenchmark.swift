import Fluent
import Foundation
import LanToaCore
import SQLKit
import Vapor
@testable import App

/// The dashboard benchmark's engine (`Benchmarks/DashboardLatency`), run on a database filled by `lantoa synth`:
/// dashboard and ranking latencies from the rollups beside the naive query (GROUP BY over the raw support log) for the
/// same figures, timed in the same run, and how fresh the national dashboard is after an acknowledged write.
public enum DashboardBenchmark {
    public struct Timing: Sendable {
        public var name: String
        public var p50: Double
        public var p95: Double
        public var p99: Double
        public var naive: Double?
    }

    public struct Result: Sendable {
        public var timings: [Timing]
        public var activities: Int
        public var freshReads: Int
        public var sizeBytes: Int64
        public var residentMegabytes: Double
        /// The rankings' figures read from the ranking summary compared with the same figures read from the rollups.
        public var summaryChecks: [String] = []
    }

    public static func run(storage: AppConfig.Storage, iterations: Int, naiveIterations: Int) async throws -> Result {
        var env = Environment.production
        env.arguments = ["bench"]
        let app = try await Application.make(env)
        app.logger.logLevel = .warning
        do {
            try await configure(app, config: AppConfig(storage: storage))
            app.logger.logLevel = .warning
            let result = try await measure(app, storage: storage, iterations: iterations, naiveIterations: naiveIterations)
            try await app.asyncShutdown()
            return result
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
    }

    static func percentiles(_ samples: [Double]) -> (Double, Double, Double) {
        let s = samples.sorted()
        func at(_ q: Double) -> Double { s[min(s.count - 1, Int((Double(s.count) * q).rounded(.up)) - 1)] }
        return (at(0.5), at(0.95), at(0.99))
    }

    static func time(_ n: Int, _ body: () async throws -> Void) async throws -> [Double] {
        var samples: [Double] = []
        for _ in 0..<n {
            let start = DispatchTime.now().uptimeNanoseconds
            try await body()
            samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        return samples
    }

    static func measure(_ app: Application, storage: AppConfig.Storage, iterations: Int, naiveIterations: Int) async throws -> Result {
        let clock = app.clock
        let scope = Scope(actor: .system, db: app.db)
        let service = DashboardService(scope: scope, clock: clock)
        let sql = app.db as! any SQLDatabase
        let today = clock.today()
        let period = ReportPeriod.year(today.year)
        let activities = try await SupportActivity.query(on: app.db).count()
        guard activities > 0 else { throw Abort(.badRequest, reason: "no activities: fill the database with `lantoa synth` first") }
        // The busiest province, commune and hamlet.
        func busiest(_ tier: Tier) async throws -> DashboardService.Place {
            let row = try await sql.raw("""
                SELECT r.unit_id AS id FROM rollups r JOIN units u ON u.id = r.unit_id
                WHERE u.tier = \(bind: tier.rawValue) AND u.valid_to >= \(bind: today.iso) AND r.period = 'T'
                ORDER BY COALESCE(\(RollupRows.extract("done.vneid_level2", sql, table: "r")), 0) DESC LIMIT 1
                """).first()
            guard let id = try row?.decode(column: "id", as: UUID.self), let unit = try await Unit.find(id, on: app.db) else {
                throw Abort(.badRequest, reason: "no \(tier.rawValue) with supports")
            }
            return DashboardService.Place(unit)
        }
        let places: [(String, DashboardService.Place)] = [("nation", .nation), ("province", try await busiest(.province)),
                                                           ("commune", try await busiest(.commune)), ("hamlet", try await busiest(.hamlet))]
        var timings: [Timing] = []
        let from = period.start.iso, to = period.end.iso
        for (name, place) in places {
            _ = try await service.dashboard(place: place, period: period, hierarchy: today)   // warm
            let (p50, p95, p99) = percentiles(try await time(iterations) {
                _ = try await service.dashboard(place: place, period: period, hierarchy: today)
            })
            // The naive dashboard: supports done per service over the raw log of the unit's subtree, and per child unit.
            let depth = place.path.split(separator: "/").count
            let prefix = place.path
            let naive = percentiles(try await time(naiveIterations) {
                _ = try await sql.raw("""
                    SELECT service_code, COUNT(*) FROM support_activities WHERE outcome = 'done' AND happened_on >= \(bind: from)
                    AND happened_on <= \(bind: to) AND unit_path >= \(bind: prefix) AND unit_path < \(bind: String(prefix.dropLast()) + "0")
                    GROUP BY service_code
                    """).all()
                _ = try await sql.raw("""
                    SELECT substr(unit_path, 1, \(unsafeRaw: String(1 + (depth + 1) * 37))) AS child, COUNT(*) FROM support_activities
                    WHERE outcome = 'done' AND service_code = 'vneid_level2' AND happened_on >= \(bind: from) AND happened_on <= \(bind: to)
                    AND unit_path >= \(bind: prefix) AND unit_path < \(bind: String(prefix.dropLast()) + "0") GROUP BY child
                    """).all()
            }).1
            timings.append(Timing(name: "dashboard, \(name) (\(place.ref.name))", p50: p50, p95: p95, p99: p99, naive: naive))
        }
        // What answering over HTTP adds to the province's dashboard: its response encoded as JSON, by the encoder
        // Vapor answers with.
        let province = try await service.dashboard(place: places[1].1, period: period, hierarchy: today)
        let encoder = try ContentConfiguration.global.requireEncoder(for: .json)
        var encoded = 0
        let (e50, e95, e99) = percentiles(try await time(iterations) {
            var buffer = ByteBufferAllocator().buffer(capacity: 0)
            var headers = HTTPHeaders()
            try encoder.encode(province, to: &buffer, headers: &headers)
            encoded = buffer.readableBytes
        })
        timings.append(Timing(name: "dashboard, province (\(places[1].1.ref.name)), its answer encoded as JSON (\(encoded / 1024) KiB)",
                              p50: e50, p95: e95, p99: e99, naive: nil))
        let indicator = try await service.indicator(code: "vneid_level2.done", for: .nation)
        let (r50, r95, r99) = percentiles(try await time(iterations) {
            _ = try await service.ranking(place: .nation, tier: .commune, indicator: indicator, period: period, measure: .absolute, hierarchy: today)
        })
        let naiveRanking = percentiles(try await time(naiveIterations) {
            for p in [period, period.previous] {
                _ = try await sql.raw("""
                    SELECT substr(unit_path, 1, 75) AS commune, COUNT(*) FROM support_activities WHERE outcome = 'done'
                    AND service_code = 'vneid_level2' AND happened_on >= \(bind: p.start.iso) AND happened_on <= \(bind: p.end.iso) GROUP BY commune
                    """).all()
            }
        }).1
        timings.append(Timing(name: "ranking of all communes", p50: r50, p95: r95, p99: r99, naive: naiveRanking))
        let communes = try await service.descendants(of: .nation, tier: .commune, asOf: today)
        let formulas = try await service.formulas([indicator, try await service.indicator(code: "\(ReportTemplateDefinition.teamMonthly).complete", for: .nation)])
        var checks: [String] = []
        for p in [period, period.previous, ReportPeriod(kind: .month, start: LocalDate(year: today.year, month: today.month, day: 1)!, end: today.endOfMonth).previous] {
            checks.append(try await summaryCheck(app, units: communes.map(\.id), formulas: Array(formulas.values), period: p))
        }
        timings += try await reports(app, province: places[1].1, iterations: iterations, naiveIterations: naiveIterations)

        // Freshness: one support written and acknowledged, then the national dashboard read at once, each time.
        var fresh = 0
        let hamlet = places[3].1
        let rounds = 20
        for _ in 0..<rounds {
            let before = try await service.dashboard(place: .nation, period: period, hierarchy: today).indicators.first { $0.code == "vneid_level2.done" }!.actual
            let a = SupportActivity()
            a.id = UUID()
            a.receivedAt = Date()
            a.hamletID = hamlet.id
            a.unitPath = hamlet.path
            a.anonymousCount = 1
            a.serviceCode = "vneid_level2"
            a.outcome = .done
            a.reason = ""
            a.channel = .communityMeeting
            a.happenedOn = today.iso
            try await app.db.writeTransaction { db in try await SupportLogService.insert([a], on: db) }
            let after = try await service.dashboard(place: .nation, period: period, hierarchy: today).indicators.first { $0.code == "vneid_level2.done" }!.actual
            if after == before + 1 { fresh += 1 }
        }
        var size: Int64 = 0
        switch storage {
        case let .sqlite(path):
            for suffix in ["", "-wal"] {
                size += (try? FileManager.default.attributesOfItem(atPath: path + suffix)[.size] as? Int64) ?? 0
            }
        case .postgres:
            size = try await sql.raw("SELECT pg_database_size(current_database()) AS n").first(decodingColumn: "n", as: Int64.self) ?? 0
        }
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let rss = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }
            .flatMap { Double($0.split(separator: " ").dropFirst().first ?? "") } ?? 0
        return Result(timings: timings, activities: activities, freshReads: fresh, sizeBytes: size, residentMegabytes: rss / 1024,
                      summaryChecks: checks)
    }

    /// The figures of a ranking over `period` read from the ranking summary and from the rollups: a line saying whether
    /// every non-zero value is the same, and how many there are.
    static func summaryCheck(_ app: Application, units: [UUID], formulas: [DashboardService.Formula], period: ReportPeriod) async throws -> String {
        var fromRollups = FigureQuery(), fromSummary = FigureQuery()
        fromSummary.fromSummary = true
        DashboardService.addFigures(to: &fromRollups, units: units, formulas: formulas + [.init(stock: "residents")], period: period)
        DashboardService.addFigures(to: &fromSummary, units: units, formulas: formulas + [.init(stock: "residents")], period: period)
        let a = try await FigureReader(db: app.db).run(fromRollups), b = try await FigureReader(db: app.db).run(fromSummary)
        var same = true, values = 0
        for tag in ["flows", "stocks", "current"] {
            func nonZero(_ f: FigureReader.Figures) -> [UUID: [String: Int64]] { f.mapValues { $0.filter { $0.value != 0 } }.filter { !$0.value.isEmpty } }
            let x = nonZero(a.figures(tag))
            same = same && x == nonZero(b.figures(tag))
            values += x.values.map(\.count).reduce(0, +)
        }
        return "ranking summary over \(period): \(same ? "the same" : "DIFFERENT") \(values) non-zero figures of \(units.count) units as the rollups"
    }

    /// Periodic reports of the last ended month: the review table of the nation and of a province (the counts of each
    /// child from the rollups, and for a province its communes' own reports one by one), and the ranking of all communes
    /// by completeness; each beside the naive count over the expected reporters and the report rows.
    static func reports(_ app: Application, province: DashboardService.Place, iterations: Int, naiveIterations: Int) async throws -> [Timing] {
        let clock = app.clock
        let scope = Scope(actor: .system, db: app.db)
        let sql = app.db as! any SQLDatabase
        let cycle = ReportCycle.month
        let period = cycle.lastEnded(asOf: clock.today())
        let key = cycle.key(period)
        let teams = ReportTemplateDefinition.teamMonthly, communes = ReportTemplateDefinition.communeMonthly
        guard try await ReportSlots.isClosed(teams, period: key, on: app.db) else {
            throw Abort(.badRequest, reason: "no closed report period: fill the database with `lantoa synth` (which writes the reports)")
        }
        let review = ReportReview(scope: scope, clock: clock)
        /// Expected, received, on time and approved per child of `path` over the report rows.
        func naiveCounts(template: String, period key: String, under path: String) async throws {
            let depth = path.split(separator: "/").count
            _ = try await sql.raw("""
                SELECT substr(e.unit_path, 1, \(unsafeRaw: String(1 + (depth + 1) * 37))) AS child, COUNT(*) AS expected,
                  SUM(CASE WHEN r.received_at IS NOT NULL AND r.state <> 'not_received' THEN 1 ELSE 0 END) AS received,
                  SUM(CASE WHEN r.received_at IS NOT NULL AND r.state <> 'not_received' AND r.on_time = \(bind: true) THEN 1 ELSE 0 END) AS on_time,
                  SUM(CASE WHEN r.state = 'approved' THEN 1 ELSE 0 END) AS approved
                FROM report_expectations e LEFT JOIN reports r
                  ON r.template_code = e.template_code AND r.reporter_key = e.reporter_key AND r.period = e.period
                WHERE e.template_code = \(bind: template) AND e.period = \(bind: key) AND e.unit_path >= \(bind: path)
                  AND e.unit_path < \(bind: String(path.dropLast()) + "0")
                GROUP BY child
                """).all()
        }
        var out: [Timing] = []
        let cases: [(String, DashboardService.Place, String)] = [
            ("review table, nation (team reports)", .nation, teams),
            ("review table, province (\(province.ref.name), team reports)", province, teams),
            ("review table, province (\(province.ref.name), its communes' reports)", province, communes),
        ]
        for (name, place, template) in cases {
            let code = place.id == Rollups.nation ? nil : place.ref.code
            _ = try await review.table(unit: code, template: template, period: key)   // warm
            let (p50, p95, p99) = percentiles(try await time(iterations) { _ = try await review.table(unit: code, template: template, period: key) })
            let naive = percentiles(try await time(naiveIterations) { try await naiveCounts(template: template, period: key, under: place.path) }).1
            out.append(Timing(name: name, p50: p50, p95: p95, p99: p99, naive: naive))
        }
        let service = DashboardService(scope: scope, clock: clock)
        let indicator = try await service.indicator(code: "\(teams).complete", for: .nation)
        let month = ReportPeriod(kind: .month, start: period.start, end: period.end)
        _ = try await service.ranking(place: .nation, tier: .commune, indicator: indicator, period: month, measure: .absolute, hierarchy: clock.today())
        let (r50, r95, r99) = percentiles(try await time(iterations) {
            _ = try await service.ranking(place: .nation, tier: .commune, indicator: indicator, period: month, measure: .absolute, hierarchy: clock.today())
        })
        let naive = percentiles(try await time(naiveIterations) {
            for p in [period, cycle.previous(period)!] {
                _ = try await sql.raw("""
                    SELECT substr(e.unit_path, 1, 75) AS commune, COUNT(*) AS expected,
                      SUM(CASE WHEN r.received_at IS NOT NULL AND r.state <> 'not_received' THEN 1 ELSE 0 END) AS received
                    FROM report_expectations e LEFT JOIN reports r
                      ON r.template_code = e.template_code AND r.reporter_key = e.reporter_key AND r.period = e.period
                    WHERE e.template_code = \(bind: teams) AND e.period = \(bind: cycle.key(p)) GROUP BY commune
                    """).all()
            }
        }).1
        out.append(Timing(name: "ranking of all communes by completeness (team reports)", p50: r50, p95: r95, p99: r99, naive: naive))
        return out
    }
}
