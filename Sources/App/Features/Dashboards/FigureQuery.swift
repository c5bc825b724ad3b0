import Fluent
import Foundation
import LanToaCore
import SQLKit

/// What a dashboard or a ranking reads from the rollups, gathered so that it is read in one statement: each part is
/// a sum of rollup rows (a flow over a period, a stock at a date, the rows of a trend), tagged with what it is for.
struct FigureQuery {
    /// How a part's sums are grouped: by unit and figure key, or (for a trend) by figure key and period key.
    enum Grouping { case unit, period }

    enum Periods: Hashable {
        case keys([String])
        case range(RollupPeriods.KeyRange)
    }

    struct Part {
        var tag: String
        var units: [UUID]
        var keys: [String]
        var periods: Periods
        var grouping: Grouping
        /// 1, or -1 for rows taken away (the rows after a stock's date, read from the total).
        var sign: Int64 = 1
    }

    private(set) var parts: [Part] = []

    /// Read from the ranking summary (`RollupSummary`) instead of the rollups. Stocks are then the total minus the
    /// rows after their date, and every period must be of whole months (`RollupSummary.covers`): the summary keeps no
    /// days.
    var fromSummary = false

    /// Whether a part reads the nation, whose figures are the sum of its stripes' rows (`Rollups.nationStripe`).
    var readsNation: Bool { parts.contains { $0.units.contains(Rollups.nation) } }

    /// The parts with the nation read from `rows` (`Rollups.nationRows`); their sums come back as the nation's.
    mutating func spreadNation(over rows: [UUID]) {
        for i in parts.indices where parts[i].units.contains(Rollups.nation) {
            parts[i].units = parts[i].units.filter { $0 != Rollups.nation } + rows
        }
    }

    /// The sums of the rows with exactly these period keys.
    mutating func sums(_ tag: String, units: [UUID], keys: some Collection<String>, periods: [String]) {
        guard !units.isEmpty, !keys.isEmpty, !periods.isEmpty else { return }
        parts.append(Part(tag: tag, units: units, keys: keys.sorted(), periods: .keys(periods), grouping: .unit))
    }

    /// Flows over the days `from...to`.
    mutating func flows(_ tag: String, units: [UUID], keys: some Collection<String>, from: LocalDate, to: LocalDate) {
        guard !units.isEmpty, !keys.isEmpty else { return }
        for range in RollupPeriods.coverRanges(from: from, to: to) {
            parts.append(Part(tag: tag, units: units, keys: keys.sorted(), periods: .range(range), grouping: .unit))
        }
    }

    /// Stocks at the end of `date`: the sums of the rows dated up to it.
    mutating func stocks(_ tag: String, units: [UUID], keys: some Collection<String>, at date: LocalDate) {
        guard !units.isEmpty, !keys.isEmpty else { return }
        if fromSummary {
            parts.append(Part(tag: tag, units: units, keys: keys.sorted(), periods: .keys([RollupPeriods.total]), grouping: .unit))
            for range in RollupPeriods.after(date) {
                parts.append(Part(tag: tag, units: units, keys: keys.sorted(), periods: .range(range), grouping: .unit, sign: -1))
            }
            return
        }
        for range in RollupPeriods.upTo(date) {
            parts.append(Part(tag: tag, units: units, keys: keys.sorted(), periods: .range(range), grouping: .unit))
        }
    }

    /// The rows of these period keys by key and period (for trends), read as a few spans that may hold more periods.
    mutating func rows(_ tag: String, units: [UUID], keys: some Collection<String>, periods: some Collection<String>) {
        guard !units.isEmpty, !keys.isEmpty else { return }
        for span in RollupPeriods.spans(periods) {
            parts.append(Part(tag: tag, units: units, keys: keys.sorted(), periods: .range(span), grouping: .period))
        }
    }
}
