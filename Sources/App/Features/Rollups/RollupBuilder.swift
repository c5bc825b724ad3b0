import Fluent
import Foundation
import LanToaCore
import NIOConcurrencyHelpers
import SQLKit

/// Recomputes every rollup from the raw rows (`lantoa rollups rebuild`): what the incremental updates must equal.
///
/// The raw rows are read in batches of unit paths (`PathRange`, a run of communes' subtrees, about
/// `weightPerBatch` supports and residents each), and each batch's figures are written before the next is read, so
/// that memory does not grow with the country. A hamlet's and a commune's rows are whole within the batch of the
/// commune (`Sums`) and are written once; the rows of units that gather from many batches (the nation's stripes, the
/// provinces, the units of the hierarchy before 1 July 2025) are carried and added to the table whenever more than
/// `carryLimit` figures wait, and at the end.
struct RollupBuilder: Sendable {
    let db: any Database
    var progress: @Sendable (String) -> Void = { _ in }
    /// Supports and residents a batch holds on average.
    var weightPerBatch = 250_000
    /// Carried figures held before they are added to the table.
    var carryLimit = 2_000_000

    private var sql: any SQLDatabase { db as! any SQLDatabase }

    /// Replaces the rollups, their ranking summary, households' first visits and teams' latest supports, in one transaction.
    func rebuild() async throws {
        try await db.writeTransaction { db in
            try await RollupBuilder(db: db, progress: progress, weightPerBatch: weightPerBatch, carryLimit: carryLimit).rebuildInTransaction()
        }
    }

    /// Residents counted by hamlet, birth year and day recorded.
    static func residentCohorts(on db: any Database, within paths: PathRange = .all) async throws
        -> [(path: String, birthYear: Int, recorded: LocalDate, count: Int64)] {
        let counted = NIOLockedValueBox<[String: Int64]>([:])
        let sql = db as! any SQLDatabase
        var select = sql.select().column("unit_path").column("birth_year").column("created_at").from(Resident.schema)
            .where(paths.condition("unit_path"))
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

    /// The batches of a rebuild: runs of communes' subtrees in path order, each with about `weightPerBatch` supports
    /// and residents if they are spread like the hamlets, covering every path once (a province's own path falls in
    /// the batch before its first commune's). Every boundary is the path of a unit right under a province (a
    /// hamlet's commune), so no such unit's subtree is split.
    func batches() async throws -> [PathRange] {
        var weight = 0
        for table in ["support_activities", Resident.schema] {
            weight += try await sql.raw("SELECT COUNT(*) AS n FROM \(unsafeRaw: table)").first(decodingColumn: "n", as: Int.self) ?? 0
        }
        let hamlets = try await sql.raw("SELECT path FROM units WHERE tier = \(bind: Tier.hamlet.rawValue) ORDER BY path")
            .all(decodingColumn: "path", as: String.self)
        let count = min(hamlets.count, weight / max(1, weightPerBatch))
        guard count > 1 else { return [.all] }
        var ranges: [PathRange] = []
        var low = ""
        for i in 1..<count {
            let parts = hamlets[i * hamlets.count / count].split(separator: "/")
            guard parts.count >= 2 else { continue }
            let boundary = "/\(parts[0])/\(parts[1])/"
            guard boundary > low else { continue }
            ranges.append(PathRange(low: low, high: boundary))
            low = boundary
        }
        ranges.append(PathRange(low: low, high: nil))
        return ranges
    }

    private func rebuildInTransaction() async throws {
        // No JIT compilation on PostgreSQL: a batch's reading of supports over the monthly partitions of the log costs
        // more than the JIT threshold, and compiling its plan (a thousand functions) took 4 of its 5 seconds, in every
        // batch (Benchmarks/README.md, "Rollup rebuild in bounded memory").
        if sql.engine == .postgres { try await sql.raw("SET LOCAL jit = off").run() }
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
        let ages = try await Rollups.eligibilityAges(on: db)
        try await collectSuperseded()

        // Derived tables, written by the database itself.
        try await sql.raw("""
            INSERT INTO household_visits (household_id, unit_path, first_on)
            SELECT h.id, h.unit_path, v.first_on FROM households h JOIN (
              SELECT hh, MIN(happened_on) AS first_on FROM (
                SELECT household_id AS hh, happened_on FROM support_activities WHERE household_id IS NOT NULL
                UNION ALL
                SELECT r.household_id AS hh, a.happened_on FROM support_activities a JOIN residents r ON r.id = a.resident_id
                WHERE r.household_id IS NOT NULL) x GROUP BY hh) v ON v.hh = h.id
            """).run()
        try await sql.raw("""
            INSERT INTO team_activity (team_id, last_on)
            SELECT team_id, MAX(happened_on) FROM support_activities WHERE team_id IS NOT NULL GROUP BY team_id
            """).run()

        let batches = try await self.batches()
        let started = Date()
        var written = 0
        var shown = -1
        for (index, paths) in batches.enumerated() {
            try await read(paths, into: sums, ages: ages)
            // A row that could not be read would leave figures short: the rebuild stops (and its transaction rolls back).
            if sums.unreadableRows > 0 { throw RollupBuildError.unreadableRows(sums.unreadableRows) }
            let batch = sums.takeBatch()
            written += batch.count
            try await batch.write(on: db)
            if sums.carried > carryLimit {
                let carried = sums.takeCarried()
                written += carried.count
                try await carried.write(on: db, merging: true)
            }
            // The batch is written: what it held goes back to the system before the next is read.
            BatchMemory.release()
            let percent = (index + 1) * 100 / batches.count
            if percent != shown {
                shown = percent
                progress(Self.bar(done: index + 1, of: batches.count, since: started, figures: written))
            }
        }
        let carried = sums.takeCarried()
        progress("writing \(carried.count) figures of the nation, the provinces and the former units…")
        try await carried.write(on: db, merging: true)
        if summarised {
            progress("ranking summary…")
            try await RollupSummary.fill(on: sql)
        }
    }

    /// A progress line: a bar, the batches done, the figures written and the time left at the pace so far.
    static func bar(done: Int, of total: Int, since started: Date, figures: Int) -> String {
        let width = 30, filled = done * width / max(total, 1)
        let elapsed = Date().timeIntervalSince(started)
        let left = done >= total ? 0 : Int((elapsed / Double(max(done, 1)) * Double(total - done)).rounded())
        let eta = left >= 60 ? "\(left / 60) min \(left % 60) s" : "\(left) s"
        return "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "] "
            + "\(done * 100 / max(total, 1)) % · batch \(done) of \(total) · \(figures) figures written · about \(eta) left"
    }

    /// The temporary table of the supports a correction superseded, filled once for all batches.
    private static let superseded = "superseded_supports"

    /// Fills `superseded` with the ids of the supports that a correction superseded. A batch then tells a superseded
    /// support by one probe of this small table: on PostgreSQL, probing the support log itself costs one index probe
    /// per monthly partition for every support of the batch (a correction may fall in any month), which made the
    /// batches' reading of supports three to four times the whole country's in one query (Benchmarks/README.md, "Rollup
    /// rebuild in bounded memory"). Inside the rebuild's transaction, on its one connection.
    private func collectSuperseded() async throws {
        let table = Self.superseded
        // Untyped on SQLite, so that the ids keep the form the support log stores them in.
        try await sql.emptyTemporaryTable(table, postgres: "id UUID PRIMARY KEY", sqlite: "id PRIMARY KEY")
        try await sql.raw("""
            INSERT INTO \(unsafeRaw: table) (id)
            SELECT DISTINCT supersedes_id FROM support_activities WHERE supersedes_id IS NOT NULL
            """).run()
        // PostgreSQL never analyses a temporary table on its own: its size, for the batches' plans.
        if sql.engine == .postgres { try await sql.raw("ANALYZE \(unsafeRaw: table)").run() }
    }

    /// Adds the figures of the raw rows whose unit paths are in `paths` to `sums`.
    private func read(_ paths: PathRange, into sums: Sums, ages: [Int]) async throws {
        // Supports done that no correction superseded; streamed, since a national log groups into millions of rows.
        try await sql.raw("""
            SELECT unit_path, service_code, happened_on, CAST(SUM(CASE WHEN anonymous_count > 0 THEN anonymous_count ELSE 1 END) AS BIGINT) AS n
            FROM support_activities a WHERE outcome = 'done' AND \(paths.condition("a.unit_path"))
            AND NOT EXISTS (SELECT 1 FROM \(unsafeRaw: Self.superseded) s WHERE s.id = a.id)
            GROUP BY unit_path, service_code, happened_on
            """).run { row in
            guard let path = try? row.decode(column: "unit_path", as: String.self), let service = try? row.decode(column: "service_code", as: String.self),
                  let on = (try? row.decode(column: "happened_on", as: String.self)).flatMap(LocalDate.init),
                  let n = try? row.decode(column: "n", as: Int64.self) else { return sums.unreadable() }
            sums.add(path, Rollups.doneKey(service), on: on, n)
        }

        try await sql.raw("""
            SELECT unit_path, service_code, first_done_on, COUNT(*) AS n FROM service_status WHERE \(paths.condition("unit_path"))
            GROUP BY unit_path, service_code, first_done_on
            """).run { row in
            guard let path = try? row.decode(column: "unit_path", as: String.self), let service = try? row.decode(column: "service_code", as: String.self),
                  let on = (try? row.decode(column: "first_done_on", as: String.self)).flatMap(LocalDate.init),
                  let n = try? row.decode(column: "n", as: Int64.self) else { return sums.unreadable() }
            sums.add(path, Rollups.firstKey(service), on: on, n)
        }

        for cohort in try await Self.residentCohorts(on: db, within: paths) {
            sums.add(cohort.path, "residents", on: cohort.recorded, cohort.count)
            for age in ages {
                sums.add(cohort.path, Rollups.eligibleKey(age), on: Rollups.eligibleFrom(birthYear: cohort.birthYear, age: age, recorded: cohort.recorded),
                         cohort.count)
            }
        }

        let countedHouseholds = NIOLockedValueBox<[String: Int64]>([:])
        try await sql.select().column("unit_path").column("created_at").from(Household.schema).where(paths.condition("unit_path")).run { row in
            guard let path = try? row.decode(column: "unit_path", as: String.self),
                  let created = try? row.decode(column: "created_at", as: Date.self) else { return }
            countedHouseholds.withLockedValue { $0["\(path)|\(Rollups.localDate(created).iso)", default: 0] += 1 }
        }
        for (key, n) in countedHouseholds.withLockedValue({ $0 }) {
            let parts = key.split(separator: "|").map(String.init)
            sums.add(parts[0], "households", on: LocalDate(parts[1])!, n)
        }

        for row in try await sql.raw("""
            SELECT unit_path, first_on, COUNT(*) AS n FROM household_visits WHERE \(paths.condition("unit_path")) GROUP BY unit_path, first_on
            """).all() {
            sums.add((try? row.decode(column: "unit_path", as: String.self)) ?? "", "households_visited",
                     on: LocalDate((try? row.decode(column: "first_on", as: String.self)) ?? "")!, (try? row.decode(column: "n", as: Int64.self)) ?? 0)
        }

        for row in try await sql.raw("""
            SELECT unit_path, kind, date, COUNT(*) AS n FROM team_events WHERE kind IN ('founded', 'dissolved') AND \(paths.condition("unit_path"))
            GROUP BY unit_path, kind, date
            """).all() {
            let kind = (try? row.decode(column: "kind", as: String.self)) ?? ""
            let n = (try? row.decode(column: "n", as: Int64.self)) ?? 0
            sums.add((try? row.decode(column: "unit_path", as: String.self)) ?? "", "teams",
                     on: LocalDate((try? row.decode(column: "date", as: String.self)) ?? "")!, kind == "founded" ? n : -n)
        }
        for row in try await sql.raw("""
            SELECT unit_path, valid_from, valid_to, COUNT(*) AS n FROM memberships WHERE \(paths.condition("unit_path"))
            GROUP BY unit_path, valid_from, valid_to
            """).all() {
            let path = (try? row.decode(column: "unit_path", as: String.self)) ?? ""
            let n = (try? row.decode(column: "n", as: Int64.self)) ?? 0
            sums.add(path, "members", on: LocalDate((try? row.decode(column: "valid_from", as: String.self)) ?? "")!, n)
            if let end = LocalDate((try? row.decode(column: "valid_to", as: String.self)) ?? ""), end != .distantFuture {
                sums.add(path, "members", on: end.nextDay, -n)
            }
        }
        for row in try await sql.raw("""
            SELECT unit_path, COUNT(*) AS n FROM teams WHERE status = 'active' AND compliant = \(bind: true) AND \(paths.condition("unit_path"))
            GROUP BY unit_path
            """).all() {
            sums.addCurrent((try? row.decode(column: "unit_path", as: String.self)) ?? "", "teams_compliant", (try? row.decode(column: "n", as: Int64.self)) ?? 0)
        }

        for row in try await sql.raw("""
            SELECT unit_path, indicator_code, "on", CAST(SUM(value) AS BIGINT) AS n FROM indicator_values WHERE \(paths.condition("unit_path"))
            GROUP BY unit_path, indicator_code, "on"
            """).all() {
            sums.add((try? row.decode(column: "unit_path", as: String.self)) ?? "", Rollups.manualKey((try? row.decode(column: "indicator_code", as: String.self)) ?? ""),
                     on: LocalDate((try? row.decode(column: "on", as: String.self)) ?? "")!, (try? row.decode(column: "n", as: Int64.self)) ?? 0)
        }
        for (path, key, end, n) in try await ReportFigures.rebuilt(on: sql, within: paths) { sums.add(path, key, on: LocalDate(end)!, n) }
        for (path, key, on, n) in try await TrainingFigures.rebuilt(on: sql, within: paths) { sums.add(path, key, on: on, n) }
    }
}

/// A range of unit paths, `low <= path < high` (no `high`: every path from `low` on), compared byte by byte as the
/// paths' columns are (`Indexes.pathType`).
struct PathRange: Sendable {
    var low: String
    var high: String?

    static let all = PathRange(low: "", high: nil)

    /// The condition on `column` (a column name, possibly qualified).
    func condition(_ column: String) -> SQLQueryString {
        var condition: SQLQueryString = "\(unsafeRaw: column) >= \(bind: low)"
        if let high { condition += " AND \(unsafeRaw: column) < \(bind: high)" }
        return condition
    }
}

/// The figures of a rebuild as they are summed: those of the batch being read (the units whose rows are whole
/// within it: the hamlets and communes of its paths) and those carried over batches (the nation's stripes, the
/// provinces, and the former communes, districts and provinces, which gather from hamlets anywhere). Locked, since
/// rows streamed from the database arrive in a closure.
private final class Sums: @unchecked Sendable {
    private let lock = NIOLock()
    private let formers: [UUID: String]
    /// The units of any former path, but for the unit whose former path it is: their rows gather from hamlets in many
    /// batches. A hamlet's former path ends with the hamlet itself, whose rows come from its own supports alone and
    /// are whole within its batch (counted among the former path's units, every hamlet was carried: 26.9 million of a
    /// national rebuild's 29.0 million rows).
    private let formerUnits: Set<UUID>
    private var chains: [String: (batch: [UInt64], carried: [UInt64])] = [:]
    private var batch = RollupCells()
    private var carry = RollupCells()

    private var unread = 0

    init(formers: [UUID: String]) {
        self.formers = formers
        formerUnits = Set(formers.flatMap { unit, path in path.split(separator: "/").compactMap { UUID(uuidString: String($0)) }.filter { $0 != unit } })
    }

    var unreadableRows: Int { lock.withLock { unread } }

    func unreadable() { lock.withLock { unread += 1 } }

    var carried: Int { lock.withLock { carry.count } }

    /// The batch's figures, and a fresh batch.
    func takeBatch() -> RollupCells {
        lock.withLock {
            defer { batch = RollupCells(); chains = [:] }
            return batch
        }
    }

    /// The carried figures, and none carried any more.
    func takeCarried() -> RollupCells {
        lock.withLock {
            defer { carry = RollupCells(); chains = [:] }
            return carry
        }
    }

    private func unlockedChain(_ path: String) -> (batch: [UInt64], carried: [UInt64]) {
        if let known = chains[path] { return known }
        let chain = Rollups.chain(path: path, formerPath: Rollups.lastID(path).flatMap { formers[$0] } ?? "")
        // The path's own units below its province, unless a former path names them too.
        let own = path.split(separator: "/").dropFirst().compactMap { UUID(uuidString: String($0)) }.filter { !formerUnits.contains($0) }
        let c = (batch: batch.units(chain.filter { own.contains($0) }), carried: carry.units(chain.filter { !own.contains($0) }))
        chains[path] = c
        return c
    }

    func add(_ path: String, _ key: String, on date: LocalDate, _ value: Int64) {
        lock.withLock {
            let c = unlockedChain(path)
            batch.add(c.batch, key, on: date, value)
            carry.add(c.carried, key, on: date, value)
        }
    }

    func addCurrent(_ path: String, _ key: String, _ value: Int64) {
        lock.withLock {
            let c = unlockedChain(path)
            batch.addCurrent(c.batch, key, value)
            carry.addCurrent(c.carried, key, value)
        }
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
