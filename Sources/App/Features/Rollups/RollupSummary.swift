import Fluent
import Foundation
import LanToaCore
import SQLKit

/// The ranking summary (bảng tổng hợp xếp hạng): the rollups of the communes and provinces of the two-tier local
/// government (in force on or after 1 July 2025) as one narrow row per figure key, period and unit, keyed in that
/// order. A ranking of all 3,321 communes reads, for each figure key and period, one range of the primary key holding
/// every commune's value next to each other, instead of a range of wide rows per commune.
///
/// - Only years, months and the total are kept, not days: rankings are of whole months, quarters and years (a week or
///   a range of days is read from the rollups as before). A stock at a month's end is the total minus the later months
///   and years (`RollupPeriods.after`).
/// - Written in `Rollups.Deltas.write`, in the same transaction and statement order as the rollups, and filled again
///   from the rollups by `lantoa rollups rebuild`; the rebuild-equality tests compare it too.
/// - Which units it holds is fixed by facts of the unit that do not change (its tier, and an end date after 30 June
///   2025), so a write and a rebuild always agree on it.
enum RollupSummary {
    static let schema = "rollup_summary"
    /// The first day of the two-tier local government: the communes and provinces in force from then on are summarised.
    static let since = "2025-07-01"
    /// A ranking over at least this many units reads the summary; fewer (a province's communes) read their own rollup
    /// rows, which is less than a range over all of the tier's units.
    static let minimumUnits = 500

    /// The condition on `units` (aliased `u`) for a unit the summary holds.
    static let holdsUnit: SQLQueryString = """
        u.tier IN ('\(unsafeRaw: Tier.commune.rawValue)', '\(unsafeRaw: Tier.province.rawValue)') AND u.valid_to >= '\(unsafeRaw: since)'
        """

    /// Whether the summary keeps rows of this period key (a year, a month or the total).
    static func keeps(_ period: String) -> Bool { period.first != "D" }

    /// Whether a ranking of `period` (and of the period before it, which it shows beside) can read the summary:
    /// both must be whole months.
    static func covers(_ period: ReportPeriod) -> Bool {
        [period, period.previous].allSatisfy { $0.start.day == 1 && $0.end == $0.end.endOfMonth }
    }

    /// Whether a ranking of these units reads the summary: enough of them, all communes or provinces under the
    /// two-tier hierarchy, over whole months.
    static func serves(units count: Int, tiers: Set<Tier>, hierarchy: LocalDate, period: ReportPeriod) -> Bool {
        count >= minimumUnits && tiers.isSubset(of: [.commune, .province]) && hierarchy.iso >= since && covers(period)
    }

    /// Adds the changes of `values` to the summary rows of the units it holds, in the primary key's order (a
    /// transaction waits for another writing the same rows instead of deadlocking with it).
    static func write(_ values: [Rollups.Cell: Int64], on sql: any SQLDatabase) async throws {
        let cells = values.filter { $0.value != 0 && keeps($0.key.period) }
            .map { (key: $0.key.key, period: $0.key.period, unit: $0.key.unit, order: UUIDText.upper($0.key.unit), value: $0.value) }
            .sorted { ($0.key, $0.period, $0.order) < ($1.key, $1.period, $1.order) }
        for chunk in cells.chunked(250) {
            var insert = SQLQueryString("INSERT INTO \(unsafeRaw: schema) (key, period, unit_id, value) SELECT v.column1, v.column2, v.column3, v.column4 FROM (VALUES ")
            for (i, cell) in chunk.enumerated() {
                if i > 0 { insert += ", " }
                insert += "(\(bind: cell.key), \(bind: cell.period), \(bind: cell.unit), \(bind: cell.value))"
            }
            insert += ") AS v JOIN units u ON u.id = v.column3 WHERE " + holdsUnit
            insert += " ORDER BY v.column1, v.column2, v.column3 ON CONFLICT (key, period, unit_id) DO UPDATE SET value = \(unsafeRaw: schema).value + excluded.value"
            try await sql.raw(insert).run()
        }
    }

    /// Fills the (empty) summary from the rollups: after a rebuild, and when the table is created.
    static func fill(on sql: any SQLDatabase) async throws {
        try await sql.raw("""
            INSERT INTO \(unsafeRaw: schema) (key, period, unit_id, value)
            SELECT c.key, c.period, c.unit_id, c.value FROM
            """ + RollupRows.cells(sql) + " AS c JOIN units u ON u.id = c.unit_id WHERE c.period NOT LIKE 'D%' AND c.value <> 0 AND " + holdsUnit
        ).run()
    }
}
