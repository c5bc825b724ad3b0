import Fluent
import Foundation
import LanToaCore
import SQLKit
import Testing
@testable import App

/// The hot reads keep their index: the dashboard's and the ranking's figures (range scans of the rollups' primary
/// key) and the statuses sync reads before each batch. The statements are the ones the app runs, asked of the
/// database's own planner; on PostgreSQL with sequential scans priced out, so that only a missing index shows one.
@Suite("Query plans of the hot reads")
struct QueryPlanTests {
    static let units = (0..<40).map { _ in UUID() }

    /// A dashboard's reads: flows of the year, stocks at a date, a trend by period, over a unit and its children.
    static func dashboardQuery() -> FigureQuery {
        var query = FigureQuery()
        let today = LocalDate(year: 2026, month: 11, day: 22)!
        query.flows("year", units: Array(units.prefix(8)), keys: ["done.vneid_level2", "first.vneid_level2"],
                    from: LocalDate(year: 2026, month: 1, day: 1)!, to: today)
        query.stocks("stock", units: Array(units.prefix(8)), keys: ["residents", "teams"], at: today)
        query.rows("trend", units: [units[0]], keys: ["done.vneid_level2"], periods: ["M2026-09", "M2026-10", "M2026-11"])
        return query
    }

    /// A ranking's reads: one year's figure for many units.
    static func rankingQuery() -> FigureQuery {
        var query = FigureQuery()
        query.flows("rank", units: units, keys: ["done.vneid_level2"], from: LocalDate(year: 2026, month: 1, day: 1)!,
                    to: LocalDate(year: 2026, month: 12, day: 31)!)
        return query
    }

    /// The planner's lines for `statement`.
    static func plan(_ statement: SQLQueryString, on db: any Database) async throws -> [String] {
        let sql = db as! any SQLDatabase
        if sql.engine == .postgres {
            return try await db.transaction { db in
                let sql = db as! any SQLDatabase
                try await sql.raw("SET LOCAL enable_seqscan = off").run()
                return try await sql.raw("EXPLAIN " + statement).all().map { try $0.decode(column: "QUERY PLAN", as: String.self) }
            }
        }
        return try await sql.raw("EXPLAIN QUERY PLAN " + statement).all().map { try $0.decode(column: "detail", as: String.self) }
    }

    /// Every access to `table` in the plan goes through an index: on SQLite each line reading it is a SEARCH using an
    /// index; on PostgreSQL (sequential scans priced out) no line is a sequential scan of it and an index is used.
    static func expectIndexed(_ lines: [String], table: String, engine: SQLEngine, _ what: String) {
        #expect(lines.contains { $0.contains(table) }, "\(what): the plan never reads \(table): \(lines)")
        switch engine {
        case .postgres:
            #expect(!lines.contains { $0.contains("Seq Scan on \(table)") }, "\(what): \(lines.joined(separator: "\n"))")
            #expect(lines.contains { $0.contains("Index") }, "\(what): \(lines.joined(separator: "\n"))")
        case .sqlite:
            for line in lines where line.contains(table) {
                #expect(line.hasPrefix("SEARCH") && line.contains("USING"), "\(what): \(line)")
            }
        }
    }

    @Test("The dashboard, the ranking, the ranking summary and sync's status read use their index", arguments: Engine.available)
    func hotReadsUseTheirIndex(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let db = t.app.db
            let sql = db as! any SQLDatabase
            let reader = FigureReader(db: db)
            for (what, query) in [("dashboard", Self.dashboardQuery()), ("ranking", Self.rankingQuery())] {
                let scans = FigureReader.scans(query)
                #expect(!scans.isEmpty)
                Self.expectIndexed(try await Self.plan(reader.statement(scans), on: db), table: "rollups", engine: sql.engine, what)
            }
            // A ranking of all communes over a month, read from the ranking summary: flows and stocks at the month's end.
            var summary = FigureQuery()
            summary.fromSummary = true
            let month = ReportPeriod(kind: .month, start: LocalDate(year: 2026, month: 10, day: 1)!, end: LocalDate(year: 2026, month: 10, day: 31)!)
            DashboardService.addFigures(to: &summary, units: Self.units, formulas: [.init(flow: "done.vneid_level2"), .init(stock: "residents")],
                                        period: month)
            let (statement, selects) = try reader.summaryStatement(summary)
            #expect(selects.count == 4)   // the month's flow; the total, later years and later months of the stock
            Self.expectIndexed(try await Self.plan(statement, on: db), table: RollupSummary.schema, engine: sql.engine, "ranking summary")
            let status = Rollups.statusSelect(Array(Self.units.prefix(20)), on: sql)
            Self.expectIndexed(try await Self.plan("\(status.query)", on: db), table: "service_status", engine: sql.engine, "sync's statuses")
        }
    }
}
