import Fluent
import Foundation
import LanToaCore
import SQLKit

/// Who has to report (đối tượng báo cáo) for a period of a template, from the dated history of teams and units, and
/// the closing of ended periods that fixes that list.
struct ReportSlot: Sendable, Hashable {
    /// The team's id (lowercased) or the unit's code.
    var key: String
    var name: String
    var unitID: UUID
    var unitPath: String
    var teamID: UUID?
}

enum ReportSlots {
    /// The reporters of `template` expected for `period` under `path` (a unit path, `/` for the nation): teams founded
    /// by the period's first day (or, when the template says `any`, by its last day) and not dissolved by its end;
    /// communes and provinces in force on the period's last day. Never today's list for a past period.
    static func expected(_ template: ReportTemplate, period: ReportPeriod, under path: String, on db: any Database) async throws -> [ReportSlot] {
        let sql = db as! any SQLDatabase
        // The narrower of the area asked for and the template's own.
        let prefix: String
        if path.hasPrefix(template.unitPath) { prefix = path } else if template.unitPath.hasPrefix(path) { prefix = template.unitPath } else { return [] }
        let upper = UnitPaths.upperBound(prefix)
        let end = period.end.iso
        switch template.reporter {
        case .team:
            let founded = template.firstPeriod == .whole ? period.start.iso : end
            var out: [ReportSlot] = []
            for row in try await sql.raw("""
                SELECT t.id, t.name, t.unit_id, t.unit_path FROM teams t
                WHERE t.unit_path >= \(bind: prefix) AND t.unit_path < \(bind: upper)
                  AND EXISTS (SELECT 1 FROM team_events f WHERE f.team_id = t.id AND f.kind = 'founded' AND f.date <= \(bind: founded))
                  AND NOT EXISTS (SELECT 1 FROM team_events d WHERE d.team_id = t.id AND d.kind = 'dissolved' AND d.date <= \(bind: end))
                ORDER BY t.unit_path, t.name
                """).all() {
                let id = try row.decode(column: "id", as: UUID.self)
                out.append(ReportSlot(key: id.uuidString.lowercased(), name: try row.decode(column: "name", as: String.self),
                                      unitID: try row.decode(column: "unit_id", as: UUID.self),
                                      unitPath: try row.decode(column: "unit_path", as: String.self), teamID: id))
            }
            return out
        case .commune, .province:
            // Read as rows: a national period expects all 3,321 communes, and decoding models costs more than the query.
            let tier: Tier = template.reporter == .commune ? .commune : .province
            return try await sql.raw("""
                SELECT id, code, name, path FROM units WHERE tier = \(bind: tier.rawValue) AND valid_from <= \(bind: end) AND valid_to >= \(bind: end)
                  AND path >= \(bind: prefix) AND path < \(bind: upper) ORDER BY code
                """).all().map { row in
                ReportSlot(key: try row.decode(column: "code", as: String.self), name: try row.decode(column: "name", as: String.self),
                           unitID: try row.decode(column: "id", as: UUID.self), unitPath: try row.decode(column: "path", as: String.self), teamID: nil)
            }
        }
    }

    static func isClosed(_ template: String, period: String, on db: any Database) async throws -> Bool {
        try await (db as! any SQLDatabase).raw("""
            SELECT 1 AS found FROM report_closed_periods WHERE template_code = \(bind: template) AND period = \(bind: period)
            """).first() != nil
    }

    /// The reporters fixed for a closed period under `path`, or nil when the period is still open. Read as rows: a
    /// table lists hundreds of them, and decoding as many models costs more than the queries.
    static func closed(_ template: ReportTemplate, period: String, under path: String, on db: any Database) async throws -> [ReportSlot]? {
        guard try await isClosed(template.code, period: period, on: db) else { return nil }
        let sql = db as! any SQLDatabase
        let query = sql.select().columns("reporter_key", "period_end").from(ReportExpectation.schema)
            .where("template_code", .equal, SQLBind(template.code)).where("period", .equal, SQLBind(period))
            .under(path, column: "unit_path")
        let rows = try await query.all()
        let keys = try rows.map { try $0.decode(column: "reporter_key", as: String.self) }
        let end = try rows.first?.decode(column: "period_end", as: String.self) ?? ""
        // Names and ids as they are now.
        var named: [String: ReportSlot] = [:]
        let teamIDs = keys.compactMap { UUID(uuidString: $0) }
        for chunk in teamIDs.chunked(500) {
            try await sql.forEachPackedRow("SELECT id, name, unit_id, unit_path FROM teams WHERE " + sql.among("id", Array(chunk)),
                                           columns: ["id", "name", "unit_id", "unit_path"]) { row in
                guard let id = row.uuid(0), let unit = row.uuid(2) else { throw PackedRowsError.malformed }
                let key = id.uuidString.lowercased()
                named[key] = ReportSlot(key: key, name: row.string(1), unitID: unit, unitPath: row.string(3), teamID: id)
            }
        }
        let codes = keys.filter { UUID(uuidString: $0) == nil }
        for chunk in codes.chunked(500) {
            for row in try await sql.select().columns("id", "code", "name", "path").from(Unit.schema)
                .where("code", .in, SQLBind.group(Array(chunk))).where("valid_from", .lessThanOrEqual, SQLBind(end))
                .where("valid_to", .greaterThanOrEqual, SQLBind(end)).all() {
                let code = try row.decode(column: "code", as: String.self)
                named[code] = ReportSlot(key: code, name: try row.decode(column: "name", as: String.self), unitID: try row.decode(column: "id", as: UUID.self),
                                         unitPath: try row.decode(column: "path", as: String.self), teamID: nil)
            }
        }
        return keys.compactMap { named[$0] }.sorted { ($0.unitPath, $0.name) < ($1.unitPath, $1.name) }
    }

    /// Each unit's code, name and tier, read as rows.
    static func refs(_ ids: some Collection<UUID>, on db: any Database) async throws -> [UUID: UnitRef] {
        let sql = db as! any SQLDatabase
        var out: [UUID: UnitRef] = [:]
        for chunk in Array(Set(ids)).chunked(500) {
            try await sql.forEachPackedRow("SELECT id, code, name, tier FROM units WHERE " + sql.among("id", Array(chunk)),
                                           columns: ["id", "code", "name", "tier"]) { row in
                guard let id = row.uuid(0), let tier = Tier(rawValue: row.string(3)) else { throw PackedRowsError.malformed }
                out[id] = UnitRef(code: row.string(1), name: row.string(2), tier: tier)
            }
        }
        return out
    }

    /// The reporters of a period: fixed if it has closed, else as they stand.
    static func slots(_ template: ReportTemplate, period: ReportPeriod, under path: String, on db: any Database) async throws -> [ReportSlot] {
        if let fixed = try await closed(template, period: template.cycle.key(period), under: path, on: db) { return fixed }
        return try await expected(template, period: period, under: path, on: db)
    }

    /// Closes every ended period of every template not closed yet (from its first version's start to yesterday):
    /// writes the expected reporters and adds them, and the reports already received, to the rollups. One transaction
    /// per template and period; returns how many periods were closed.
    @discardableResult
    static func closeEnded(today: LocalDate, on db: any Database) async throws -> Int {
        let sql = db as! any SQLDatabase
        let templates = try await ReportTemplate.query(on: db).sort(\.$code).sort(\.$version).all()
        var closedCount = 0
        for (code, versions) in Dictionary(grouping: templates, by: \.code).sorted(by: { $0.key < $1.key }) {
            guard let first = versions.first, let start = LocalDate(first.effectiveFrom) else { continue }
            let done = Set(try await sql.raw("SELECT period FROM report_closed_periods WHERE template_code = \(bind: code)").all()
                .map { try $0.decode(column: "period", as: String.self) })
            for period in first.cycle.periods(from: start, through: today) where period.end < today {
                let key = first.cycle.key(period)
                if !done.contains(key), let version = ReportTemplates.version(of: versions, for: period) {
                    try await db.writeTransaction { tx in try await close(version, period: period, on: tx) }
                    closedCount += 1
                }
            }
        }
        return closedCount
    }

    private static func close(_ template: ReportTemplate, period: ReportPeriod, on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        let key = template.cycle.key(period)
        try await ReportFigures.lock(template: template.code, period: key, on: db)
        try await sql.raw("INSERT INTO report_closed_periods (template_code, period) VALUES (\(bind: template.code), \(bind: key))").run()
        let slots = try await expected(template, period: period, under: "/", on: db)
        for chunk in slots.chunked(300) {
            var insert = sql.insert(into: ReportExpectation.schema).columns("id", "template_code", "reporter_key", "unit_path", "period", "period_end")
            for s in chunk {
                insert = insert.values([SQLBind(UUID()), SQLBind(template.code), SQLBind(s.key), SQLBind(s.unitPath), SQLBind(key),
                                        SQLBind(period.end.iso)] as [any SQLExpression])
            }
            try await insert.run()
        }
        // What each reporter's report counts as, read as rows: a national period of the teams' template has some
        // 80,000 reports, which as models took hundreds of megabytes.
        var measures: [String: [ReportFigures.Measure]] = [:]
        try await sql.forEachPackedRow("""
            SELECT reporter_key, state, CASE WHEN received_at IS NULL THEN 0 ELSE 1 END AS received,
              CASE WHEN on_time = \(bind: true) THEN 1 ELSE 0 END AS on_time
            FROM \(unsafeRaw: ReportRecord.schema) WHERE template_code = \(bind: template.code) AND period = \(bind: key)
            """, columns: ["reporter_key", "state", "received", "on_time"]) { row in
            guard let state = ReportRecord.State(rawValue: row.string(1)) else { throw PackedRowsError.malformed }
            measures[row.string(0)] = ReportFigures.measures(received: row.int(2) == 1, state: state, onTime: row.int(3) == 1)
        }
        let chains = try await Rollups.chains(for: Set(slots.map(\.unitPath)), on: db)
        // Written in sixteen parts by the first hex digit of the unit's id, so that a national period's changes (some
        // 1.4 million cells for the teams' template) are not held at once. Every rollup row of a part sorts before
        // those of the next, so the rows are still locked in the one order all writers use; the summary's rows of
        // these keys are written only under this period's lock (`ReportFigures.lock`).
        for part in UInt8(0)..<16 {
            var deltas = Rollups.Deltas()
            for s in slots {
                let units = chains[s.unitPath]!.filter { $0.uuid.0 >> 4 == part }
                guard !units.isEmpty else { continue }
                deltas.add(units, ReportFigures.key(.expected, template.code), on: period.end, 1)
                for m in measures[s.key] ?? [] { deltas.add(units, ReportFigures.key(m, template.code), on: period.end, 1) }
            }
            try await deltas.apply(on: db)
        }
    }
}
