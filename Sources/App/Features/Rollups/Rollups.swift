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
/// The nation has no row of its own that every write adds to: its figures are kept in one stripe (dải) per province,
/// the unit at the top of the path a value comes from, and read as the sum of the stripes (`nationStripe`,
/// `nationRows`). Writes from different provinces therefore never wait for each other on a national row.
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
    /// The id of the nation, above every province. Its own rows hold only values of no province (a path of `/`); the
    /// rest of its figures are in the provinces' stripes.
    static let nation = UUID(uuidString: "00000000-0000-0000-0000-000000000000")!

    /// The row key of the nation's stripe for a province: the nation's zero prefix, then the province id's last eight
    /// bytes. Its version digit is 0, which no generated unit id has, so a stripe is never a unit; two provinces share
    /// a stripe only if their ids share 62 random bits.
    static func nationStripe(_ province: UUID) -> UUID {
        let u = province.uuid
        return UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, u.8, u.9, u.10, u.11, u.12, u.13, u.14, u.15))
    }

    /// Whether `id` is the nation or one of its stripes.
    static func isNation(_ id: UUID) -> Bool {
        let u = id.uuid
        return u.0 | u.1 | u.2 | u.3 | u.4 | u.5 | u.6 | u.7 == 0
    }

    /// The row keys the nation's figures are summed from: its own and a stripe for every province, current or
    /// former (the top of every unit path is a province).
    static func nationRows(on db: any Database) async throws -> [UUID] {
        var rows = [nation]
        try await (db as! any SQLDatabase).forEachPackedRow(
            "SELECT id FROM units WHERE tier = \(bind: Tier.province.rawValue)", columns: ["id"]) { row in
            guard let id = row.uuid(0) else { throw PackedRowsError.malformed }
            rows.append(nationStripe(id))
        }
        return rows
    }

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

        /// Rows are written in one order everywhere, so that concurrent transactions touching the same rows (a province's
        /// or a commune's) wait for each other instead of deadlocking. Each row's changes are one JSON object, added to
        /// the stored one key by key (`RollupRows.merged`).
        func write(on db: any Database) async throws {
            let sql = db as! any SQLDatabase
            var rows: [String: (unit: UUID, period: String, figures: [(key: String, value: Int64)])] = [:]
            for (cell, value) in values where value != 0 {
                let order = UUIDText.upper(cell.unit) + "|" + cell.period
                rows[order, default: (cell.unit, cell.period, [])].figures.append((cell.key, value))
            }
            let ordered = rows.sorted { $0.key < $1.key }.map(\.value)
            try await RollupRows.add(ordered.map { ($0.unit, $0.period, RollupRows.json($0.figures.sorted { $0.key < $1.key })) }, on: sql)
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
