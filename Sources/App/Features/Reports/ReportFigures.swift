import Fluent
import Foundation
import LanToaCore
import SQLKit

/// Completeness and timeliness in the rollups, dated at each period's last day at the reporter's unit and every unit
/// above it: `reports.expected.<template>` (reporters that had to report), `reports.received.<template>` (of them,
/// those whose report arrived), `reports.on_time.<template>` (arrived by the deadline) and `reports.approved.<template>`.
/// Only expected reporters count, each at most once, so a rate never exceeds 100 %; the expected reporters of a period
/// are fixed when it closes, so later foundings and dissolutions never move it.
enum ReportFigures {
    enum Measure: String, CaseIterable {
        case expected
        case received
        case onTime = "on_time"
        case approved
    }

    static func key(_ measure: Measure, _ template: String) -> String { "reports.\(measure.rawValue).\(template)" }

    /// `complete.<template>` → received, `on_time.<template>` → on time.
    static func indicatorParts(_ figure: String) -> (Measure, String) {
        if figure.hasPrefix("on_time.") { return (.onTime, String(figure.dropFirst("on_time.".count))) }
        return (.received, String(figure.drop { $0 != "." }.dropFirst()))
    }

    /// Adds `change` to `measures` of one reporter's period.
    static func add(_ measures: [Measure], template: String, unitPath: String, periodEnd: String, _ change: Int64, on db: any Database) async throws {
        guard let end = LocalDate(periodEnd), !measures.isEmpty else { return }
        var deltas = Rollups.Deltas()
        let units = try await Rollups.chains(for: [unitPath], on: db)[unitPath]!
        for m in measures { deltas.add(units, key(m, template), on: end, change) }
        try await deltas.apply(on: db)
    }

    /// Serialises, on PostgreSQL, the writes that count one template's period: its closing, a first receipt, an
    /// approval, a reopening. Without it a receipt committed while the period closes would be counted by neither.
    /// (SQLite has one writer at a time, and each of these transactions writes first.)
    static func lock(template: String, period: String, on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        guard sql.engine == .postgres else { return }
        // FNV-1a over the names: the same key in every process.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "reports|\(template)|\(period)".utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        try await sql.raw("SELECT pg_advisory_xact_lock(\(bind: Int64(bitPattern: hash)))").run()
    }

    /// What a report counts as once its period is closed: a report marked not received never counts as received.
    static func measures(of report: ReportRecord?) -> [Measure] {
        guard let report else { return [] }
        return measures(received: report.receivedAt != nil, state: report.state, onTime: report.onTime == true)
    }

    /// The same, from a report's fields read as a row.
    static func measures(received: Bool, state: ReportRecord.State, onTime: Bool) -> [Measure] {
        guard received, state != .notReceived else { return [] }
        var out: [Measure] = [.received]
        if onTime { out.append(.onTime) }
        if state == .approved { out.append(.approved) }
        return out
    }

    /// Whether the reporter was expected for the report's period (its period has closed with it in the list).
    static func isExpected(_ report: ReportRecord, on db: any Database) async throws -> Bool {
        try await ReportExpectation.query(on: db).filter(\.$templateCode == report.templateCode).filter(\.$reporterKey == report.reporterKey)
            .filter(\.$period == report.period).count() > 0
    }

    /// The counts of every closed period from the raw rows, for `lantoa rollups rebuild`: (unit path, key, period end, count).
    static func rebuilt(on sql: any SQLDatabase, within paths: PathRange = .all) async throws -> [(String, String, String, Int64)] {
        var out: [(String, String, String, Int64)] = []
        // A rebuild run by an earlier migration predates the reports.
        guard try await Indexes.hasColumn("period_end", in: ReportExpectation.schema, on: sql) else { return out }
        for row in try await sql.raw("""
            SELECT e.unit_path, e.template_code, e.period_end, COUNT(*) AS expected,
              COALESCE(SUM(CASE WHEN r.received_at IS NOT NULL AND r.state <> 'not_received' THEN 1 ELSE 0 END), 0) AS received,
              COALESCE(SUM(CASE WHEN r.received_at IS NOT NULL AND r.state <> 'not_received' AND r.on_time = \(bind: true) THEN 1 ELSE 0 END), 0)
                AS on_time,
              COALESCE(SUM(CASE WHEN r.received_at IS NOT NULL AND r.state = 'approved' THEN 1 ELSE 0 END), 0) AS approved
            FROM report_expectations e LEFT JOIN reports r
              ON r.template_code = e.template_code AND r.reporter_key = e.reporter_key AND r.period = e.period
            WHERE \(paths.condition("e.unit_path"))
            GROUP BY e.unit_path, e.template_code, e.period_end
            """).all() {
            let path = try row.decode(column: "unit_path", as: String.self)
            let template = try row.decode(column: "template_code", as: String.self)
            let end = try row.decode(column: "period_end", as: String.self)
            for m in Measure.allCases {
                out.append((path, key(m, template), end, try row.decode(column: m == .onTime ? "on_time" : m.rawValue, as: Int64.self)))
            }
        }
        return out
    }
}
