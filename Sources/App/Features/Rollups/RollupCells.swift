import Foundation
import LanToaCore
import SQLKit
import Fluent

/// Rollup figures summed in memory for a rebuild (`RollupBuilder`, a batch of it at a time): each figure's unit, key
/// and period packed into one integer, then written a row per unit and period in the primary key's order, into the
/// emptied table through `BulkWriter` (or added to rows written before). Incremental writes use `Rollups.Deltas`.
struct RollupCells {
    private var units: [UUID] = []
    private var unitIndex: [UUID: UInt64] = [:]
    private var keys: [String] = []
    private var keyIndex: [String: UInt64] = [:]
    private(set) var values: [UInt64: Int64] = [:]

    // Bits of a packed row: unit (24), key (12), grain (2), the period's ordinal in its grain (24).
    private static let unitShift: UInt64 = 38, keyShift: UInt64 = 26, grainShift: UInt64 = 24
    private enum Grain: UInt64 { case day = 0, month = 1, total = 2, year = 3 }

    /// Days are counted from here (offset so that earlier dates stay positive).
    private static let epoch = LocalDate(year: 2000, month: 1, day: 1)!

    var count: Int { values.count }

    /// The indexes of `ids`, to pass to `add`.
    mutating func units(_ ids: [UUID]) -> [UInt64] {
        ids.map { id in
            if let known = unitIndex[id] { return known }
            let index = UInt64(units.count)
            precondition(index < 1 << 24, "more units than a rebuild packs")
            units.append(id)
            unitIndex[id] = index
            return index
        }
    }

    private mutating func key(_ key: String) -> UInt64 {
        if let known = keyIndex[key] { return known }
        let index = UInt64(keys.count)
        precondition(index < 1 << 12, "more figure keys than a rebuild packs")
        keys.append(key)
        keyIndex[key] = index
        return index
    }

    /// Adds `value` dated `date` to each of `units` at its day, month, year and total, as `Rollups.Deltas.add` does.
    mutating func add(_ units: [UInt64], _ key: String, on date: LocalDate, _ value: Int64) {
        guard value != 0 else { return }
        let k = self.key(key) << Self.keyShift
        let periods: [UInt64] = [
            Grain.total.rawValue << Self.grainShift,
            Grain.year.rawValue << Self.grainShift | UInt64(date.year),
            Grain.month.rawValue << Self.grainShift | UInt64(date.year * 12 + date.month - 1),
            Grain.day.rawValue << Self.grainShift | UInt64(Self.epoch.days(to: date) + 1_000_000),
        ]
        for unit in units {
            let base = unit << Self.unitShift | k
            for p in periods { values[base | p, default: 0] += value }
        }
    }

    /// Adds `value` to the total row only (figures without history).
    mutating func addCurrent(_ units: [UInt64], _ key: String, _ value: Int64) {
        guard value != 0 else { return }
        let k = self.key(key) << Self.keyShift
        for unit in units { values[unit << Self.unitShift | k | Grain.total.rawValue << Self.grainShift, default: 0] += value }
    }

    /// The period key (`RollupPeriods`) of a packed row.
    private static func period(_ packed: UInt64) -> String {
        let ordinal = Int(packed & (1 << grainShift - 1))
        switch Grain(rawValue: packed >> grainShift & 3)! {
        case .total: return RollupPeriods.total
        case .year: return RollupPeriods.year(LocalDate(year: ordinal, month: 1, day: 1)!)
        case .month: return RollupPeriods.month(LocalDate(year: ordinal / 12, month: ordinal % 12 + 1, day: 1)!)
        case .day: return RollupPeriods.day(epoch.adding(days: ordinal - 1_000_000))
        }
    }

    /// Writes the non-zero figures into the rollups: one row per unit and period (`RollupRows`), in the primary key's
    /// order (unit, period, as the database compares them). The table must hold none of these rows, unless `merging`:
    /// then they are added to the stored rows key by key (`RollupRows.addInBulk`), which is slower.
    func write(on db: any Database, merging: Bool = false) async throws {
        // Ranks that sort as the stored text does: units by their upper-case text, periods as strings (days "D…"
        // before months "M…", the total "T", years "Y…"; within a grain, by date), which their packed bits already do.
        let unitRank = Self.ranks(units.map(UUIDText.upper))
        let periodMask: UInt64 = 1 << Self.keyShift - 1
        var cells: [(order: UInt64, packed: UInt64, value: Int64)] = []
        cells.reserveCapacity(values.count)
        for (packed, value) in values where value != 0 {
            cells.append((unitRank[Int(packed >> Self.unitShift)] << Self.keyShift | packed & periodMask, packed, value))
        }
        cells.sort { $0.order < $1.order }
        var periods: [UInt64: String] = [:]
        let writer = BulkWriter(db: db)
        var batch: [[BulkValue]] = []
        func flush() async throws {
            if merging {
                try await RollupRows.addInBulk(batch, on: db)
            } else {
                try await writer.write(Rollups.schema, columns: ["unit_id", "period", "figures"], rows: batch)
            }
            batch.removeAll(keepingCapacity: true)
        }
        var start = 0
        while start < cells.count {
            var end = start
            while end < cells.count, cells[end].order == cells[start].order { end += 1 }
            let packed = cells[start].packed
            let periodBits = packed & periodMask
            let period: String
            if let known = periods[periodBits] { period = known } else { period = Self.period(periodBits); periods[periodBits] = period }
            let figures = cells[start..<end].map { (key: keys[Int($0.packed >> Self.keyShift & (1 << 12 - 1))], value: $0.value) }
                .sorted { $0.key < $1.key }
            let unit = units[Int(packed >> Self.unitShift)]
            batch.append([.uuid(unit), .text(period), .json(RollupRows.json(figures))])
            if batch.count == BulkWriter.copyRows { try await flush() }
            start = end
        }
        try await flush()
    }

    /// Each element's position in the sorted list.
    private static func ranks(_ texts: [String]) -> [UInt64] {
        var rank = [UInt64](repeating: 0, count: texts.count)
        for (position, index) in texts.indices.sorted(by: { texts[$0] < texts[$1] }).enumerated() { rank[index] = UInt64(position) }
        return rank
    }
}
