import Fluent
import Foundation
import LanToaCore
import NIOConcurrencyHelpers
import SQLKit

/// Rollups (số liệu tổng hợp): every figure the dashboards show, kept per unit, figure key and period
/// (`RollupPeriods`) and updated in the same transaction as the write it comes from (ARCHITECTURE.md decision 3).
///
/// A value dated `d` for a hamlet is added to the hamlet, every ancestor under the current hierarchy, every ancestor
/// under the hierarchy before 1 July 2025 (through the hamlet's former commune) and the nation, each at its day,
/// month, year and all-time total. `lantoa rollups rebuild` recomputes the table from the raw rows.
///
/// Figure keys:
/// - `done.<service>`: supports done (a flow; a meeting's anonymous count counts each person);
/// - `first.<service>`: residents (or households) with the service done, at the date it was first done (a stock);
/// - `elig.<age>`: residents aged at least `age` in the year (a stock, dated when the resident becomes eligible);
/// - `residents`, `households`, `households_visited`, `teams`, `members`: stocks;
/// - `teams_compliant`: teams now meeting the composition rules (current only: total row, no history);
/// - `manual.<indicator>`: values reported by hand (a flow).
enum Rollups {
    static let schema = "rollups"
    /// The row key of the nation, above every province.
    static let nation = UUID(uuidString: "00000000-0000-0000-0000-000000000000")!

    struct Cell: Hashable {
        var unit: UUID
        var key: String
        var period: String
    }

    /// Changes to apply to rollup rows, summed per row before they are written.
    struct Deltas {
        private(set) var values: [Cell: Int64] = [:]

        var isEmpty: Bool { values.isEmpty }

        /// Adds `value` dated `date` to each of `units`.
        mutating func add(_ units: [UUID], _ key: String, on date: LocalDate, _ value: Int64) {
            guard value != 0 else { return }
            for unit in units {
                for period in RollupPeriods.keys(for: date) { values[Cell(unit: unit, key: key, period: period), default: 0] += value }
            }
        }

        /// Adds `value` to the total row only (figures without history).
        mutating func addCurrent(_ units: [UUID], _ key: String, _ value: Int64) {
            guard value != 0 else { return }
            for unit in units { values[Cell(unit: unit, key: key, period: RollupPeriods.total), default: 0] += value }
        }

        /// Adds `value` to one period key of each of `units`.
        mutating func addCell(_ units: [UUID], _ key: String, _ period: String, _ value: Int64) {
            guard value != 0 else { return }
            for unit in units { values[Cell(unit: unit, key: key, period: period), default: 0] += value }
        }

        mutating func merge(_ other: Deltas) {
            for (cell, v) in other.values { values[cell, default: 0] += v }
        }

        /// Adds the changes to the stored rows, or, within `Rollups.collecting`, to the changes written at its end.
        func apply(on db: any Database) async throws {
            if let collector = Rollups.collector { collector.lock.withLock { collector.deltas.merge(self) } } else { try await write(on: db) }
        }

        /// Rows are written in one order everywhere, so that concurrent transactions touching the same rows (the nation's,
        /// a province's) wait for each other instead of deadlocking. Each row's changes are one JSON object, added to
        /// the stored one key by key (`RollupRows.merged`).
        func write(on db: any Database) async throws {
            let sql = db as! any SQLDatabase
            var rows: [String: (unit: UUID, period: String, figures: [(key: String, value: Int64)])] = [:]
            for (cell, value) in values where value != 0 {
                let order = UUIDText.upper(cell.unit) + "|" + cell.period
                rows[order, default: (cell.unit, cell.period, [])].figures.append((cell.key, value))
            }
            let ordered = rows.sorted { $0.key < $1.key }.map(\.value)
            for chunk in ordered.chunked(200) {
                var insert = SQLQueryString("INSERT INTO \(unsafeRaw: Rollups.schema) (unit_id, period, figures) VALUES ")
                for (i, row) in chunk.enumerated() {
                    if i > 0 { insert += ", " }
                    insert += "(\(bind: row.unit), \(bind: row.period), " + RollupRows.value(RollupRows.json(row.figures.sorted { $0.key < $1.key }), sql) + ")"
                }
                insert += " ON CONFLICT (unit_id, period) DO UPDATE SET figures = " + RollupRows.merged(sql)
                try await sql.raw(insert).run()
            }
            try await RollupSummary.write(values, on: sql)
        }
    }

    /// Changes gathered during a long write (an import of a thousand members), written once at its end.
    final class Collector: @unchecked Sendable {
        let lock = NIOLock()
        var deltas = Deltas()
        var chains: [String: [UUID]] = [:]
    }

    @TaskLocal static var collector: Collector?

    /// Runs `body` (inside the caller's transaction) gathering the rollup changes, then writes them in one go.
    static func collecting<T>(on db: any Database, _ body: () async throws -> T) async throws -> T {
        let collector = Collector()
        let result = try await $collector.withValue(collector) { try await body() }
        try await collector.lock.withLock { collector.deltas }.write(on: db)
        return result
    }

}
