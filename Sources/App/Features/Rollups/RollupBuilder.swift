import Fluent
import Foundation
import LanToaCore
import NIOConcurrencyHelpers
import SQLKit

/// Recomputes every rollup from the raw rows (`lantoa rollups rebuild`): what the incremental updates must equal.
struct RollupBuilder: Sendable {
    let db: any Database
    var progress: @Sendable (String) -> Void = { _ in }

    private var sql: any SQLDatabase { db as! any SQLDatabase }

    /// Replaces the rollups, their ranking summary, households' first visits and teams' latest supports, in one transaction.
    func rebuild() async throws {
        try await db.writeTransaction { db in
            try await RollupBuilder(db: db, progress: progress).rebuildInTransaction()
        }
    }

    /// Residents counted by hamlet, birth year and day recorded.
    static func residentCohorts(on db: any Database) async throws -> [(path: String, birthYear: Int, recorded: LocalDate, count: Int64)] {
        let counted = NIOLockedValueBox<[String: Int64]>([:])
        let sql = db as! any SQLDatabase
        var select = sql.select().column("unit_path").column("birth_year").column("created_at").from(Resident.schema)
        // A resident merged into another is counted there. (A rebuild run by an earlier migration predates the column.)
        if try await Indexes.hasColumn("merged_into", in: Resident.schema, on: sql) {
            select = select.where(SQLColumn("merged_into"), .is, SQLLiteral.null)
        }
        try await select.run { row in
            guard let path = try? row.decode(column: "unit_path", as: String.self), let year = try? row.decode(column: "birth_year", as: Int.self),
                  let created = try? row.decode(column: "created_at", as: Date.self) else { return }
            counted.withLockedValue { $0["\(path)|\(year)|\(Rollups.localDate(created).iso)", default: 0] += 1 }
        }
        return counted.withLockedValue { $0 }.map { key, n in
            let parts = key.split(separator: "|").map(String.init)
            return (parts[0], Int(parts[1])!, LocalDate(parts[2])!, n)
        }
    }

    private func rebuildInTransaction() async throws {
        // The ranking summary is kept from migration 019 on; an earlier migration's rebuild predates it.
        let summarised = try await Indexes.hasColumn("value", in: RollupSummary.schema, on: sql)
        for table in ["rollups", "household_visits", "team_activity"] + (summarised ? [RollupSummary.schema] : []) {
            try await sql.raw("DELETE FROM \(unsafeRaw: table)").run()
        }
        var formers: [UUID: String] = [:]
        for row in try await sql.select().column("id").column("former_path").from(Unit.schema).where("former_path", .notEqual, "").all() {
            formers[try row.decode(column: "id", as: UUID.self)] = try row.decode(column: "former_path", as: String.self)
        }
        let sums = Sums(formers: formers)

        progress("supports")
        // Supports done that no correction superseded; streamed, since a national log groups into millions of rows.
        try await sql.raw("""
            SELECT unit_path, service_code, happened_on, CAST(SUM(CASE WHEN anonymous_count > 0 THEN anonymous_count ELSE 1 END) AS BIGINT) AS n
            FROM support_activities a WHERE outcome = 'done'
            AND NOT EXISTS (SELECT 1 FROM support_activities s WHERE s.supersedes_id = a.id)
            GROUP BY unit_path, service_code, happened_on
            """).run { row in
            guard let path = try? row.decode(column: "unit_path", as: String.self), let service = try? row.decode(column: "service_code", as: String.self),
                  let on = (try? row.decode(column: "happened_on", as: String.self)).flatMap(LocalDate.init),
                  let n = try? row.decode(column: "n", as: Int64.self) else { return sums.unreadable() }
            sums.add(path, Rollups.doneKey(service), on: on, n)
        }

        progress("services done")
        try await sql.raw("""
            SELECT unit_path, service_code, first_done_on, COUNT(*) AS n FROM service_status GROUP BY unit_path, service_code, first_done_on
            """).run { row in
            guard let path = try? row.decode(column: "unit_path", as: String.self), let service = try? row.decode(column: "service_code", as: String.self),
                  let on = (try? row.decode(column: "first_done_on", as: String.self)).flatMap(LocalDate.init),
                  let n = try? row.decode(column: "n", as: Int64.self) else { return sums.unreadable() }
            sums.add(path, Rollups.firstKey(service), on: on, n)
        }
        // A row that could not be read would leave figures short: the rebuild stops (and its transaction rolls back).
        if sums.unreadableRows > 0 { throw RollupBuildError.unreadableRows(sums.unreadableRows) }

        progress("residents")
        let ages = try await Rollups.eligibilityAges(on: db)
        for cohort in try await Self.residentCohorts(on: db) {
            sums.add(cohort.path, "residents", on: cohort.recorded, cohort.count)
            for age in ages {
                sums.add(cohort.path, Rollups.eligibleKey(age), on: Rollups.eligibleFrom(birthYear: cohort.birthYear, age: age, recorded: cohort.recorded),
                         cohort.count)
            }
        }

        progress("households")
        let countedHouseholds = NIOLockedValueBox<[String: Int64]>([:])
        try await sql.select().column("unit_path").column("created_at").from(Household.schema).run { row in
            guard let path = try? row.decode(column: "unit_path", as: String.self),
                  let created = try? row.decode(column: "created_at", as: Date.self) else { return }
            countedHouseholds.withLockedValue { $0["\(path)|\(Rollups.localDate(created).iso)", default: 0] += 1 }
        }
        var households = countedHouseholds.withLockedValue { $0 }
        for (key, n) in households {
            let parts = key.split(separator: "|").map(String.init)
            sums.add(parts[0], "households", on: LocalDate(parts[1])!, n)
        }
        households = [:]

        progress("visits")
        try await sql.raw("""
            INSERT INTO household_visits (household_id, unit_path, first_on)
            SELECT h.id, h.unit_path, v.first_on FROM households h JOIN (
              SELECT hh, MIN(happened_on) AS first_on FROM (
                SELECT household_id AS hh, happened_on FROM support_activities WHERE household_id IS NOT NULL
                UNION ALL
                SELECT r.household_id AS hh, a.happened_on FROM support_activities a JOIN residents r ON r.id = a.resident_id
                WHERE r.household_id IS NOT NULL) x GROUP BY hh) v ON v.hh = h.id
            """).run()
        var pairs: [(String, String, Int64)] = []
        for row in try await sql.raw("SELECT unit_path, first_on, COUNT(*) AS n FROM household_visits GROUP BY unit_path, first_on").all() {
            pairs.append(((try? row.decode(column: "unit_path", as: String.self)) ?? "", (try? row.decode(column: "first_on", as: String.self)) ?? "",
                          (try? row.decode(column: "n", as: Int64.self)) ?? 0))
        }
        for (path, on, n) in pairs { sums.add(path, "households_visited", on: LocalDate(on)!, n) }
        try await sql.raw("""
            INSERT INTO team_activity (team_id, last_on)
            SELECT team_id, MAX(happened_on) FROM support_activities WHERE team_id IS NOT NULL GROUP BY team_id
            """).run()

        progress("teams")
        pairs = []
        for row in try await sql.raw("""
            SELECT unit_path, kind, date, COUNT(*) AS n FROM team_events WHERE kind IN ('founded', 'dissolved') GROUP BY unit_path, kind, date
            """).all() {
            let kind = (try? row.decode(column: "kind", as: String.self)) ?? ""
            let n = (try? row.decode(column: "n", as: Int64.self)) ?? 0
            pairs.append(((try? row.decode(column: "unit_path", as: String.self)) ?? "", (try? row.decode(column: "date", as: String.self)) ?? "",
                          kind == "founded" ? n : -n))
        }
        for (path, on, n) in pairs { sums.add(path, "teams", on: LocalDate(on)!, n) }
        var memberships: [(String, String, String, Int64)] = []
        for row in try await sql.raw("""
            SELECT unit_path, valid_from, valid_to, COUNT(*) AS n FROM memberships GROUP BY unit_path, valid_from, valid_to
            """).all() {
            memberships.append(((try? row.decode(column: "unit_path", as: String.self)) ?? "", (try? row.decode(column: "valid_from", as: String.self)) ?? "",
                                (try? row.decode(column: "valid_to", as: String.self)) ?? "", (try? row.decode(column: "n", as: Int64.self)) ?? 0))
        }
        for (path, from, to, n) in memberships {
            sums.add(path, "members", on: LocalDate(from)!, n)
            if let end = LocalDate(to), end != .distantFuture { sums.add(path, "members", on: end.nextDay, -n) }
        }
        var compliant: [(String, Int64)] = []
        for row in try await sql.raw("SELECT unit_path, COUNT(*) AS n FROM teams WHERE status = 'active' AND compliant = \(bind: true) GROUP BY unit_path")
            .all() {
                compliant.append(((try? row.decode(column: "unit_path", as: String.self)) ?? "", (try? row.decode(column: "n", as: Int64.self)) ?? 0))
            }
        for (path, n) in compliant { sums.addCurrent(path, "teams_compliant", n) }

        progress("reported values")
        var manual: [(String, String, String, Int64)] = []
        for row in try await sql.raw("""
            SELECT unit_path, indicator_code, "on", CAST(SUM(value) AS BIGINT) AS n FROM indicator_values GROUP BY unit_path, indicator_code, "on"
            """).all() {
            manual.append(((try? row.decode(column: "unit_path", as: String.self)) ?? "", (try? row.decode(column: "indicator_code", as: String.self)) ?? "",
                           (try? row.decode(column: "on", as: String.self)) ?? "", (try? row.decode(column: "n", as: Int64.self)) ?? 0))
        }
        for (path, code, on, n) in manual { sums.add(path, Rollups.manualKey(code), on: LocalDate(on)!, n) }
        progress("reports")
        for (path, key, end, n) in try await ReportFigures.rebuilt(on: sql) { sums.add(path, key, on: LocalDate(end)!, n) }
        progress("training")
        for (path, key, on, n) in try await TrainingFigures.rebuilt(on: sql) { sums.add(path, key, on: on, n) }
        let cells = sums.cells
        progress("writing \(cells.count) figures")
        // Rows that sum to zero carry nothing and are not written.
        try await cells.write(on: db)
        if summarised {
            progress("ranking summary")
            try await RollupSummary.fill(on: sql)
        }
    }
}

/// The rollup rows of a rebuild as they are summed, with each hamlet path's chain of units; locked, since rows
/// streamed from the database arrive in a closure.
private final class Sums: @unchecked Sendable {
    private let lock = NIOLock()
    private let formers: [UUID: String]
    private var chains: [String: [UInt64]] = [:]
    private var summed = RollupCells()

    private var unread = 0

    init(formers: [UUID: String]) { self.formers = formers }

    var unreadableRows: Int { lock.withLock { unread } }

    func unreadable() { lock.withLock { unread += 1 } }

    var cells: RollupCells { lock.withLock { summed } }

    private func unlockedChain(_ path: String) -> [UInt64] {
        if let known = chains[path] { return known }
        let c = summed.units(Rollups.chain(path: path, formerPath: Rollups.lastID(path).flatMap { formers[$0] } ?? ""))
        chains[path] = c
        return c
    }

    func add(_ path: String, _ key: String, on date: LocalDate, _ value: Int64) {
        lock.withLock { summed.add(unlockedChain(path), key, on: date, value) }
    }

    func addCurrent(_ path: String, _ key: String, _ value: Int64) {
        lock.withLock { summed.addCurrent(unlockedChain(path), key, value) }
    }
}

enum RollupBuildError: Error, CustomStringConvertible {
    case unreadableRows(Int)

    var description: String {
        switch self {
        case let .unreadableRows(n): "\(n) grouped rows of the support log or the service statuses could not be read; nothing was rebuilt."
        }
    }
}
