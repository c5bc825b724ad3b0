import Fluent
import Foundation
import LanToaCore
import SQLKit

/// Training in the rollups, at the member's hamlet (as recorded) and every unit above it:
/// - `training.attendances`: attendances marked present, on the session's day ("lượt" trained);
/// - `training.members`: members trained at least once in the calendar year, as a stock that resets each year: +1 on a
///   member's first attendance of the year, -1 on the next 1 January. Read at a day, it is the members trained in
///   that day's year so far.
///
/// A member's first attendance of a year is the least `held_on|unit_path` of their attendances marked present: the
/// same expression for the incremental updates and for the rebuild, so both agree on every engine.
enum TrainingFigures {
    static let attendancesKey = "training.attendances"
    static let membersKey = "training.members"

    static var nationalIndicators: [IndicatorRecord] {
        [Indicators.make("training.attendances", .training, "Số lượt thành viên được tập huấn", "Member attendances at training sessions"),
         Indicators.make("training.members", .trainingCoverage, "Tỷ lệ thành viên được tập huấn trong năm",
                         "Members trained at least once this year")]
    }

    /// Each member's first attendance of each year: member → "yyyy" → "held_on|unit_path".
    static func firsts(of members: [UUID], on db: any Database) async throws -> [UUID: [String: String]] {
        let sql = db as! any SQLDatabase
        var out: [UUID: [String: String]] = [:]
        for chunk in members.chunked(500) {
            for row in try await sql.raw("""
                SELECT member_id, MIN(held_on || '|' || unit_path) AS f FROM training_attendances
                WHERE present = \(bind: true) AND member_id IN (\(binds: Array(chunk))) GROUP BY member_id, SUBSTR(held_on, 1, 4)
                """).all() {
                let first = try row.decode(column: "f", as: String.self)
                out[try row.decode(column: "member_id", as: UUID.self), default: [:]][String(first.prefix(4))] = first
            }
        }
        return out
    }

    /// Serialises, on PostgreSQL, the writes of these members' attendances: two sessions recorded at once for the
    /// same member would otherwise both count them as first trained. Taken in one order, so two writers never wait
    /// on each other in a circle. (SQLite has one writer at a time.)
    static func lock(members: [UUID], on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        guard sql.engine == .postgres else { return }
        for m in Set(members).sorted(by: { $0.uuidString < $1.uuidString }) {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in "training|\(m.uuidString)".utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
            try await sql.raw("SELECT pg_advisory_xact_lock(\(bind: Int64(bitPattern: hash)))").run()
        }
    }

    /// One attendance's presence as it was and as it is now.
    struct Change {
        var path: String
        var heldOn: LocalDate
        var was: Bool
        var now: Bool
    }

    /// Moves the figures for attendances written in the caller's transaction, given the members' firsts read before.
    static func apply(_ changes: [Change], firstsBefore: [UUID: [String: String]], members: [UUID], on db: any Database) async throws {
        let after = try await firsts(of: members, on: db)
        var moves: [(path: String, on: LocalDate, sign: Int64)] = []
        for c in changes where c.was != c.now { moves.append((c.path, c.heldOn, c.now ? 1 : -1)) }
        var paths = Set(moves.map(\.path))
        var firstMoves: [(path: String, on: LocalDate, sign: Int64)] = []
        for m in members {
            let old = firstsBefore[m] ?? [:], new = after[m] ?? [:]
            for year in Set(old.keys).union(new.keys) where old[year] != new[year] {
                for (first, sign) in [(old[year], Int64(-1)), (new[year], Int64(1))] {
                    guard let first, let parsed = parse(first) else { continue }
                    firstMoves.append((parsed.path, parsed.on, sign))
                    paths.insert(parsed.path)
                }
            }
        }
        guard !moves.isEmpty || !firstMoves.isEmpty else { return }
        let chains = try await Rollups.chains(for: paths, on: db)
        var deltas = Rollups.Deltas()
        for m in moves { deltas.add(chains[m.path]!, attendancesKey, on: m.on, m.sign) }
        for m in firstMoves {
            deltas.add(chains[m.path]!, membersKey, on: m.on, m.sign)
            deltas.add(chains[m.path]!, membersKey, on: LocalDate(year: m.on.year + 1, month: 1, day: 1)!, -m.sign)
        }
        try await deltas.apply(on: db)
    }

    static func parse(_ first: String) -> (on: LocalDate, path: String)? {
        let parts = first.split(separator: "|", maxSplits: 1).map(String.init)
        guard parts.count == 2, let on = LocalDate(parts[0]) else { return nil }
        return (on, parts[1])
    }

    /// The figures from the raw rows, for `lantoa rollups rebuild`: (unit path, key, day, value).
    static func rebuilt(on sql: any SQLDatabase, within paths: PathRange = .all) async throws -> [(String, String, LocalDate, Int64)] {
        var out: [(String, String, LocalDate, Int64)] = []
        // A rebuild run by an earlier migration predates training.
        guard try await Indexes.hasColumn("held_on", in: TrainingAttendance.schema, on: sql) else { return out }
        for row in try await sql.raw("""
            SELECT unit_path, held_on, COUNT(*) AS n FROM training_attendances WHERE present = \(bind: true) AND \(paths.condition("unit_path"))
            GROUP BY unit_path, held_on
            """).all() {
            guard let on = LocalDate(try row.decode(column: "held_on", as: String.self)) else { continue }
            out.append((try row.decode(column: "unit_path", as: String.self), attendancesKey, on, try row.decode(column: "n", as: Int64.self)))
        }
        for row in try await sql.raw("""
            SELECT f, COUNT(*) AS n FROM (SELECT MIN(held_on || '|' || unit_path) AS f FROM training_attendances WHERE present = \(bind: true)
            GROUP BY member_id, SUBSTR(held_on, 1, 4)) x WHERE \(paths.condition(sql.engine == .postgres ? #"SUBSTR(f, 12) COLLATE "C""# : "SUBSTR(f, 12)")) GROUP BY f
            """).all() {
            guard let first = parse(try row.decode(column: "f", as: String.self)) else { continue }
            let n = try row.decode(column: "n", as: Int64.self)
            out.append((first.path, membersKey, first.on, n))
            out.append((first.path, membersKey, LocalDate(year: first.on.year + 1, month: 1, day: 1)!, -n))
        }
        return out
    }
}
