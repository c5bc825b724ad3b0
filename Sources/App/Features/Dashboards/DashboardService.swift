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

    // MARK: places

    /// The unit with `code` under the hierarchy of `asOf` (`VN` or empty: the nation), if the actor may see it.
    func place(code: String?, asOf: LocalDate) async throws -> Place {
        guard let code, !code.isEmpty, code.uppercased() != "VN" else {
            guard scope.actor.scopePath == "/" else { throw AppError.forbidden }
            return .nation
        }
        let unit = try await UnitService(scope: scope, clock: clock).find(code: code, asOf: asOf)
        guard scope.contains(path: unit.path) else { throw AppError.forbidden }
        return Place(unit)
    }

    /// The units directly under a place on `asOf`.
    func children(of place: Place, asOf: LocalDate) async throws -> [Place] {
        let d = asOf.iso
        if place.id == Rollups.nation {
            return try await places("tier = \(bind: Tier.province.rawValue) AND valid_from <= \(bind: d) AND valid_to >= \(bind: d)")
        }
        // Through the dated parent links, so that hamlets also appear under their former commune.
        return try await places("""
            id IN (SELECT unit_id FROM unit_parents WHERE parent_id = \(bind: place.id) AND valid_from <= \(bind: d) AND valid_to >= \(bind: d))
            """)
    }

    /// The units of `tier` under a place on `asOf` (all 3,321 communes of the nation, say).
    func descendants(of place: Place, tier: Tier, asOf: LocalDate) async throws -> [Place] {
        let d = asOf.iso
        var filter: SQLQueryString = "tier = \(bind: tier.rawValue)"
        if place.id != Rollups.nation { filter += " AND path >= \(bind: place.path) AND path < \(bind: String(place.path.dropLast()) + "0")" }
        if tier != .hamlet { filter += " AND valid_from <= \(bind: d) AND valid_to >= \(bind: d)" }
        return try await places(filter)
    }

    /// Units as places, within the actor's scope, in code order. Read as packed text: decoding thousands of models
    /// (all the communes) would cost more than their figures.
    private func places(_ filter: SQLQueryString) async throws -> [Place] {
        var query: SQLQueryString = "SELECT id, code, name, tier, path FROM units WHERE " + filter
        let within = scope.actor.scopePath
        if within != "/" { query += " AND path >= \(bind: within) AND path < \(bind: String(within.dropLast()) + "0")" }
        var out: [Place] = []
        try await (scope.db as! any SQLDatabase).forEachPackedRow(query, columns: ["id", "code", "name", "tier", "path"]) { row in
            guard let id = row.uuid(0), let tier = Tier(rawValue: row.string(3)) else { throw PackedRowsError.malformed }
            out.append(Place(id: id, ref: UnitRef(code: row.string(1), name: row.string(2), tier: tier), path: row.string(4), tier: tier))
        }
        return out.sorted { $0.ref.code < $1.ref.code }
    }

    // MARK: indicators

    /// The indicators that apply to a place: the national ones and its province's own.
    func indicators(for place: Place) async throws -> [IndicatorRecord] {
        let province = place.path.split(separator: "/").first.map { "/\($0)/" } ?? "/"
        // Read as packed text and built here: decoding each model takes longer than the rest of a hamlet's dashboard.
        let columns = ["id", "code", "kind", "name", "name_en", "service_code", "figure", "unit_path", "position"]
        let rows = try await (scope.db as! any SQLDatabase).packedRows("""
            SELECT \(unsafeRaw: columns.joined(separator: ", ")) FROM indicators WHERE unit_path IN (\(binds: ["/", province]))
            """, columns: columns)
        return try rows.map { row in
            guard let kind = IndicatorKind(rawValue: row[2]), let position = Int(row[8]) else { throw PackedRowsError.malformed }
            let i = Indicators.make(row[1], kind, row[3], row[4], service: row[5], figure: row[6], unitPath: row[7])
            i.id = UUIDText.parse(row[0])
            i.position = position
            return i
        }.sorted { ($0.position, $0.code) < ($1.position, $1.code) }
    }

    func indicator(code: String?, for place: Place) async throws -> IndicatorRecord {
        guard let code, !code.isEmpty else { throw AppError.invalid("indicator", "error.required") }
        guard let found = try await indicators(for: place).first(where: { $0.code == code }) else {
            throw AppError.invalid("indicator", "error.unknown_indicator", code)
        }
        return found
    }

    static func response(_ i: IndicatorRecord) -> IndicatorResponse {
        IndicatorResponse(code: i.code, kind: i.kind, name: i.name, nameEn: i.nameEn, service: i.serviceCode.isEmpty ? nil : i.serviceCode,
                          figure: i.figure.isEmpty ? nil : i.figure, province: i.unitPath == "/" ? nil : i.unitPath)
    }

    /// How an indicator is read from the rollups.
    struct Formula {
        var flow: String?
        var stock: String?
        var denominator: String?
        var current: String?

        var flowKeys: [String] { [flow].compactMap { $0 } }
        var stockKeys: [String] { [stock, denominator].compactMap { $0 } }
    }

    func formulas(_ indicators: [IndicatorRecord]) async throws -> [String: Formula] {
        var services: [String: (unit: ServiceUnit, minimumAge: Int)] = [:]
        for row in try await (scope.db as! any SQLDatabase).packedRows("SELECT code, unit, minimum_age FROM services",
                                                                       columns: ["code", "unit", "minimum_age"]) {
            guard let unit = ServiceUnit(rawValue: row[1]), let age = Int(row[2]) else { throw PackedRowsError.malformed }
            services[row[0]] = (unit, age)
        }
        var out: [String: Formula] = [:]
        for i in indicators {
            switch i.kind {
            case .count: out[i.code] = Formula(flow: Rollups.doneKey(i.serviceCode))
            case .manual: out[i.code] = Formula(flow: Rollups.manualKey(i.code))
            case .structural:
                out[i.code] = i.figure == "teams_compliant" ? Formula(current: i.figure) : Formula(stock: i.figure)
            case .coverage:
                let s = services[i.serviceCode]
                out[i.code] = Formula(stock: Rollups.firstKey(i.serviceCode),
                                      denominator: s?.unit == .household ? "households" : Rollups.eligibleKey(s?.minimumAge ?? 0))
            }
        }
        return out
    }

    /// The figures of several places for a period, from the rollups (flows over the period, stocks at its end).
    struct PeriodFigures {
        var flows: FigureReader.Figures
        var stocks: FigureReader.Figures
        var current: FigureReader.Figures

        init(_ results: FigureReader.Results, prefix: String = "") {
            flows = results.figures(prefix + "flows")
            stocks = results.figures(prefix + "stocks")
            current = results.figures(prefix + "current")
        }

        func value(_ f: Formula, unit: UUID) -> (actual: Double, numerator: Int64?, denominator: Int64?) {
            if let key = f.flow { return (Double(flows[unit]?[key] ?? 0), nil, nil) }
            if let key = f.current { return (Double(current[unit]?[key] ?? 0), nil, nil) }
            let n = stocks[unit]?[f.stock ?? ""] ?? 0
            guard let d = f.denominator else { return (Double(n), nil, nil) }
            let denominator = stocks[unit]?[d] ?? 0
            return (denominator > 0 ? (Double(n) * 1000 / Double(denominator)).rounded() / 10 : 0, n, denominator)
        }
    }

    /// Adds to `query` the parts for the figures of `units` in a period (tags prefixed with `prefix`).
    static func addFigures(to query: inout FigureQuery, prefix: String = "", units: [UUID], formulas: [Formula], period: ReportPeriod) {
        query.flows(prefix + "flows", units: units, keys: Set(formulas.flatMap(\.flowKeys)), from: period.start, to: period.end)
        query.stocks(prefix + "stocks", units: units, keys: Set(formulas.flatMap(\.stockKeys)), at: period.end)
        query.sums(prefix + "current", units: units, keys: Set(formulas.compactMap(\.current)), periods: [RollupPeriods.total])
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
        var out: [DashboardIndicator] = []
        for i in indicators {
            let f = formulas[i.code]!
            var actual: (actual: Double, numerator: Int64?, denominator: Int64?)
            if members == nil {
                actual = figures.value(f, unit: place.id)
            } else {
                // Summed over the units taking part; a rate from the summed parts.
                let parts = children.map { figures.value(f, unit: $0.id) }
                let n = parts.compactMap(\.numerator).reduce(0, +), d = parts.compactMap(\.denominator).reduce(0, +)
                actual = f.denominator == nil ? (parts.map(\.actual).reduce(0, +), nil, nil)
                    : (d > 0 ? (Double(n) * 1000 / Double(d)).rounded() / 10 : 0, n, d)
            }
            let target = targets[place.id]?[i.code]
            let rows = children.map { c in
                let v = figures.value(f, unit: c.id).actual
                let t = targets[c.id]?[i.code]
                return BreakdownRow(unit: c.ref, actual: v, target: t, percentOfPlan: Self.percent(v, of: t))
            }
            let childTargets = rows.compactMap(\.target)
            var finding: SplitFinding?
            if let target, !childTargets.isEmpty, i.kind != .coverage {
                finding = TargetSplit.finding(parent: Int64(target.rounded()), children: childTargets.map { Int64($0.rounded()) })
            }
            out.append(DashboardIndicator(code: i.code, kind: i.kind, name: i.name, actual: actual.actual, numerator: actual.numerator,
                                          denominator: actual.denominator, target: target, percentOfPlan: Self.percent(actual.actual, of: target),
                                          trend: trends[i.code] ?? [], breakdown: rows,
                                          childTargets: childTargets.isEmpty || i.kind == .coverage ? nil : childTargets.reduce(0, +),
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
                else if let d = f.denominator {
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

    // MARK: rankings

    enum Measure: String, CaseIterable {
        case absolute
        case percent
        case per1000
    }

    static let tieRule = "Equal values: the larger actual figure first, then the lower unit code."

    /// The child units of a place (or its units of one tier) ranked on an indicator, with their rank in the previous period.
    func ranking(place: Place, tier: Tier?, indicator: IndicatorRecord, period: ReportPeriod, measure: Measure,
                 hierarchy: LocalDate) async throws -> RankingResponse {
        let units: [Place]
        if let tier { units = try await descendants(of: place, tier: tier, asOf: hierarchy) } else { units = try await children(of: place, asOf: hierarchy) }
        let f = try await formulas([indicator])[indicator.code]!
        let residentsFormula = Formula(stock: "residents")
        // Both periods' figures in one statement.
        var query = FigureQuery()
        Self.addFigures(to: &query, units: units.map(\.id), formulas: [f, residentsFormula], period: period)
        // The previous period's residents count only for a rank per 1,000 residents.
        Self.addFigures(to: &query, prefix: "previous.", units: units.map(\.id), formulas: measure == .per1000 ? [f, residentsFormula] : [f],
                        period: period.previous)
        let results = try await FigureReader(db: scope.db).run(query)
        func ranked(_ p: ReportPeriod) async throws -> [(Place, RankingEntry)] {
            let figures = PeriodFigures(results, prefix: p == period ? "" : "previous.")
            let targets = measure == .percent || p == period ? try await targetValues(units: units.map(\.id), period: p) : [:]
            var entries = units.map { u -> (Place, RankingEntry) in
                let actual = figures.value(f, unit: u.id).actual
                let residents = Int64(figures.value(residentsFormula, unit: u.id).actual)
                let target = targets[u.id]?[indicator.code]
                let pct = Self.percent(actual, of: target)
                let value: Double = switch measure {
                case .absolute: actual
                case .percent: pct ?? 0
                case .per1000: residents > 0 ? (actual * 10_000 / Double(residents)).rounded() / 10 : 0
                }
                return (u, RankingEntry(rank: 0, previousRank: nil, unit: u.ref, value: value, previousValue: nil, actual: actual,
                                        target: target, percentOfPlan: pct, residents: residents))
            }
            entries.sort { a, b in
                (a.1.value, a.1.actual, b.0.ref.code) > (b.1.value, b.1.actual, a.0.ref.code)
            }
            for i in entries.indices { entries[i].1.rank = i + 1 }
            return entries
        }
        var now = try await ranked(period)
        let before = Dictionary(try await ranked(period.previous).map { ($0.0.id, $0.1) }, uniquingKeysWith: { a, _ in a })
        for i in now.indices {
            now[i].1.previousRank = before[now[i].0.id]?.rank
            now[i].1.previousValue = before[now[i].0.id]?.value
        }
        return RankingResponse(unit: place.ref, indicator: Self.response(indicator), period: period.description,
                               previousPeriod: period.previous.description, measure: measure.rawValue, tieRule: Self.tieRule,
                               entries: now.map(\.1))
    }

    /// The monthly review: the first `top` units to commend, those below `threshold` % of plan to remind, and the
    /// teams with no support recorded for `inactiveDays` days.
    func review(place: Place, tier: Tier?, indicator: IndicatorRecord, period: ReportPeriod, hierarchy: LocalDate,
                top: Int, threshold: Double, inactiveDays: Int) async throws -> ReviewResponse {
        let ranking = try await ranking(place: place, tier: tier, indicator: indicator, period: period, measure: .percent, hierarchy: hierarchy)
        let withTargets = ranking.entries.filter { $0.target != nil }
        // Without targets, commend on the absolute figure.
        let commend = withTargets.isEmpty
            ? Array(try await self.ranking(place: place, tier: tier, indicator: indicator, period: period, measure: .absolute,
                                           hierarchy: hierarchy).entries.prefix(top))
            : Array(withTargets.prefix(top))
        let remind = withTargets.filter { ($0.percentOfPlan ?? 0) < threshold }.sorted { ($0.percentOfPlan ?? 0) < ($1.percentOfPlan ?? 0) }
        return ReviewResponse(ranking: ranking, commend: commend, remind: remind, threshold: threshold, inactiveDays: inactiveDays,
                              inactiveTeams: try await inactiveTeams(place: place, days: inactiveDays))
    }

    /// Active teams under a place with no support recorded in the last `days` days (or never), longest quiet first.
    func inactiveTeams(place: Place, days: Int, limit: Int = 200) async throws -> [InactiveTeam] {
        let today = clock.today()
        let cutoff = today.adding(days: -days).iso
        var query = scope.query(Team.self).filter(\.$status == .active)
        if place.id != Rollups.nation { query = query.under(place.path, \.$unitPath) }
        let teams = try await query.all()
        var last: [UUID: String] = [:]
        for chunk in teams.compactMap(\.id).chunked(900) {
            for row in try await (scope.db as! any SQLDatabase).select().column("team_id").column("last_on").from("team_activity")
                .where("team_id", .in, SQLBind.group(Array(chunk))).all() {
                last[try row.decode(column: "team_id", as: UUID.self)] = try row.decode(column: "last_on", as: String.self)
            }
        }
        let quiet = teams.filter { t in last[t.id!].map { $0 < cutoff } ?? (t.decisionDate < cutoff) }
            .sorted { (last[$0.id!] ?? "", $0.name) < (last[$1.id!] ?? "", $1.name) }.prefix(limit)
        let units = Dictionary(try await Unit.query(on: scope.db).filter(\.$id ~~ quiet.map(\.unitID)).all().map { ($0.id!, $0) },
                               uniquingKeysWith: { a, _ in a })
        return quiet.map { t in
            let on = last[t.id!]
            return InactiveTeam(team: t.id!.uuidString, name: t.name,
                                unit: units[t.unitID].map { UnitRef(code: $0.code, name: $0.name, tier: $0.tier) } ?? place.ref,
                                lastActivityOn: on, daysInactive: on.flatMap(LocalDate.init).map { $0.days(to: today) })
        }
    }
}
