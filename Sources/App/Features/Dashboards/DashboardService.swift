import Fluent
import Foundation
import LanToaCore
import SQLKit

/// Dashboards (bảng điều hành) and rankings (xếp hạng) of any unit from the nation to a hamlet, read from the
/// rollups under the hierarchy of a chosen date.
struct DashboardService {
    let scope: Scope
    let clock: AppClock

    /// A unit of the dashboards: an administrative unit, or the nation above the provinces.
    struct Place {
        var id: UUID
        var ref: UnitRef
        var path: String
        var tier: Tier?

        static let nation = Place(id: Rollups.nation, ref: UnitRef(code: "VN", name: "Toàn quốc", tier: .province), path: "/", tier: nil)

        init(id: UUID, ref: UnitRef, path: String, tier: Tier?) {
            self.id = id
            self.ref = ref
            self.path = path
            self.tier = tier
        }

        init(_ unit: Unit) {
            self.init(id: unit.id!, ref: UnitRef(code: unit.code, name: unit.name, tier: unit.tier), path: unit.path, tier: unit.tier)
        }
    }

    // MARK: dashboard

    func dashboard(place: Place, period: ReportPeriod, hierarchy: LocalDate, only: [IndicatorRecord]? = nil,
                   members: [Place]? = nil) async throws -> DashboardResponse {
        var indicators = only ?? []
        if only == nil { indicators = try await self.indicators(for: place) }
        let formulas = try await self.formulas(indicators)
        // A campaign's progress is over the units taking part; a unit's dashboard over itself.
        var children = members ?? []
        if members == nil { children = try await self.children(of: place, asOf: hierarchy) }
        let own: [UUID] = members == nil ? [place.id] : []
        // Every figure of the dashboard in one statement: the unit's and its children's, and the trend's.
        var query = FigureQuery()
        Self.addFigures(to: &query, units: own + children.map(\.id), formulas: Array(formulas.values), period: period)
        let trendUnits = members?.map(\.id) ?? [place.id]
        Self.addTrend(to: &query, units: trendUnits, formulas: formulas, period: period)
        let results = try await FigureReader(db: scope.db).run(query)
        let figures = PeriodFigures(results)
        let trends = Self.trend(results, formulas: formulas, period: period)
        let targets = try await targetValues(units: [place.id] + children.map(\.id), period: period)
        // Each child's figures and targets looked up once, not once per indicator.
        let childFigures = children.map { figures.of($0.id) }
        let childTargets = children.map { targets[$0.id] ?? [:] }
        var out: [DashboardIndicator] = []
        for i in indicators {
            let f = formulas[i.code]!
            var actual: (actual: Double, numerator: Int64?, denominator: Int64?)
            if members == nil {
                actual = figures.value(f, unit: place.id)
            } else {
                // Summed over the units taking part; a rate from the summed parts.
                let parts = childFigures.map { $0.value(f) }
                let n = parts.compactMap(\.numerator).reduce(0, +), d = parts.compactMap(\.denominator).reduce(0, +)
                if f.flowDenominator != nil {
                    actual = (ReportRates.percent(n, of: d) ?? 0, n, d)
                } else {
                    actual = f.denominator == nil ? (parts.map(\.actual).reduce(0, +), nil, nil)
                        : (d > 0 ? (Double(n) * 1000 / Double(d)).rounded() / 10 : 0, n, d)
                }
            }
            let target = targets[place.id]?[i.code]
            let rows = children.indices.map { c in
                let v = childFigures[c].value(f).actual
                let t = childTargets[c][i.code]
                return BreakdownRow(unit: children[c].ref, actual: v, target: t, percentOfPlan: Self.percent(v, of: t))
            }
            let splitTargets = rows.compactMap(\.target)
            var finding: SplitFinding?
            if let target, !splitTargets.isEmpty, !i.kind.isRate {
                finding = TargetSplit.finding(parent: Int64(target.rounded()), children: splitTargets.map { Int64($0.rounded()) })
            }
            out.append(DashboardIndicator(code: i.code, kind: i.kind, name: i.name, actual: actual.actual, numerator: actual.numerator,
                                          denominator: actual.denominator, target: target, percentOfPlan: Self.percent(actual.actual, of: target),
                                          trend: trends[i.code] ?? [], breakdown: rows,
                                          childTargets: splitTargets.isEmpty || i.kind.isRate ? nil : splitTargets.reduce(0, +),
                                          splitFinding: finding))
        }
        return DashboardResponse(unit: place.ref, period: period.description, periodStart: period.start.iso, periodEnd: period.end.iso,
                                 hierarchyDate: hierarchy.iso, indicators: out)
    }

    static func percent(_ actual: Double, of target: Double?) -> Double? {
        guard let target, target > 0 else { return nil }
        return (actual * 1000 / target).rounded() / 10
    }

    /// The parts of a query for a trend: the rows of each segment between trend points, and the stocks just before.
    static func addTrend(to query: inout FigureQuery, units: [UUID], formulas: [String: Formula], period: ReportPeriod) {
        let flowKeys = Set(formulas.values.flatMap(\.flowKeys))
        let stockKeys = Set(formulas.values.flatMap(\.stockKeys))
        query.rows("trend", units: units, keys: flowKeys.union(stockKeys), periods: segments(period).flatMap { $0 })
        query.stocks("trend.base", units: units, keys: stockKeys, at: period.start.previousDay)
        query.sums("trend.current", units: units, keys: Set(formulas.values.compactMap(\.current)), periods: [RollupPeriods.total])
    }

    /// The period keys covering the days from one trend point (or the period's start) to the next.
    static func segments(_ period: ReportPeriod) -> [[String]] {
        var segments: [[String]] = []
        var from = period.start
        for p in period.trendPoints {
            segments.append(RollupPeriods.cover(from: from, to: p))
            from = p.nextDay
        }
        return segments
    }

    /// Each indicator at each trend point of the period: flows cumulated from the period's start, stocks as they stood.
    static func trend(_ results: FigureReader.Results, formulas: [String: Formula], period: ReportPeriod) -> [String: [TrendPoint]] {
        let rows = results.byPeriod("trend")
        let base = FigureReader.total(results.figures("trend.base"))
        let current = FigureReader.total(results.figures("trend.current"))
        let points = period.trendPoints
        let segments = segments(period)
        var out: [String: [TrendPoint]] = [:]
        for (code, f) in formulas {
            var running: [String: Int64] = [:]
            for key in f.flowKeys { running[key] = 0 }
            for key in f.stockKeys { running[key] = base[key] ?? 0 }
            var list: [TrendPoint] = []
            for (p, keys) in zip(points, segments) {
                for key in running.keys { running[key]! += keys.reduce(0) { $0 + (rows[key]?[$1] ?? 0) } }
                let value: Double
                if let key = f.current { value = Double(current[key] ?? 0) }
                else if let key = f.flow, let d = f.flowDenominator {
                    value = ReportRates.percent(running[key] ?? 0, of: running[d] ?? 0) ?? 0
                } else if let d = f.denominator {
                    let den = running[d] ?? 0
                    value = den > 0 ? (Double(running[f.stock!] ?? 0) * 1000 / Double(den)).rounded() / 10 : 0
                } else { value = Double(running[(f.flow ?? f.stock)!] ?? 0) }
                list.append(TrendPoint(date: p.iso, value: value))
            }
            out[code] = list
        }
        return out
    }

    /// Targets of these units for the period, by unit and indicator.
    func targetValues(units: [UUID], period: ReportPeriod) async throws -> [UUID: [String: Double]] {
        guard !units.isEmpty else { return [:] }
        let sql = scope.db as! any SQLDatabase
        var out: [UUID: [String: Double]] = [:]
        try await sql.forEachPackedRow("""
            SELECT unit_id, indicator_code, value FROM targets WHERE period = \(bind: period.description) AND \(sql.among("unit_id", units))
            """, columns: ["unit_id", "indicator_code", "value"]) { row in
            guard let unit = row.uuid(0), let value = Double(row.string(2)) else { throw PackedRowsError.malformed }
            out[unit, default: [:]][row.string(1)] = value
        }
        return out
    }

}
