import Fluent
import Foundation
import LanToaCore
import SQLKit

/// Rankings, the monthly review (commend, remind) and the teams gone quiet.
extension DashboardService {
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
        query.fromSummary = RollupSummary.serves(units: units.count, tiers: Set(units.compactMap(\.tier)), hierarchy: hierarchy, period: period)
        Self.addFigures(to: &query, units: units.map(\.id), formulas: [f, residentsFormula], period: period)
        // The previous period's residents count only for a rank per 1,000 residents.
        Self.addFigures(to: &query, prefix: "previous.", units: units.map(\.id), formulas: measure == .per1000 ? [f, residentsFormula] : [f],
                        period: period.previous)
        let results = try await FigureReader(db: scope.db).run(query)
        // Each period's figures by unit position, and the positions in rank order. Sorting positions, not entries,
        // keeps a ranking of all 3,321 communes from moving thousands of entries around.
        struct Ranked {
            var value: [Double] = [], actual: [Double] = [], residents: [Int64] = []
            var target: [Double?] = [], percent: [Double?] = []
            var order: [Int] = []
        }
        func ranked(_ p: ReportPeriod) async throws -> Ranked {
            let figures = PeriodFigures(results, prefix: p == period ? "" : "previous.")
            let targets = measure == .percent || p == period ? try await targetValues(units: units.map(\.id), period: p) : [:]
            var out = Ranked()
            out.value.reserveCapacity(units.count)
            for (position, u) in units.enumerated() {
                let actual = figures.value(f, unit: u.id, position: position).actual
                let residents = Int64(figures.value(residentsFormula, unit: u.id, position: position).actual)
                let target = targets[u.id]?[indicator.code]
                let pct = Self.percent(actual, of: target)
                out.actual.append(actual)
                out.residents.append(residents)
                out.target.append(target)
                out.percent.append(pct)
                let value: Double = switch measure {
                case .absolute: actual
                case .percent: pct ?? 0
                case .per1000: residents > 0 ? (actual * 10_000 / Double(residents)).rounded() / 10 : 0
                }
                out.value.append(value)
            }
            out.order = Array(units.indices)
            out.order.sort { a, b in
                if out.value[a] != out.value[b] { return out.value[a] > out.value[b] }
                if out.actual[a] != out.actual[b] { return out.actual[a] > out.actual[b] }
                return units[a].ref.code < units[b].ref.code
            }
            return out
        }
        let now = try await ranked(period), before = try await ranked(period.previous)
        var previousRank = [Int](repeating: 0, count: units.count)
        for (rank, i) in before.order.enumerated() { previousRank[i] = rank + 1 }
        let entries = now.order.enumerated().map { rank, i in
            RankingEntry(rank: rank + 1, previousRank: previousRank[i], unit: units[i].ref, value: now.value[i], previousValue: before.value[i],
                         actual: now.actual[i], target: now.target[i], percentOfPlan: now.percent[i], residents: now.residents[i])
        }
        return RankingResponse(unit: place.ref, indicator: Self.response(indicator), period: period.description,
                               previousPeriod: period.previous.description, measure: measure.rawValue, tieRule: Self.tieRule,
                               entries: entries)
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
        var query = scope.query(Team.self).filter(\.$status == .active)
        if place.id != Rollups.nation { query = query.under(place.path, \.$unitPath) }
        let teams = try await query.all()
        let last = try await Self.lastActivity(of: teams.compactMap(\.id), on: scope.db)
        let quiet = teams.filter { t in Self.isQuiet(lastOn: last[t.id!], founded: t.decisionDate, days: days, today: today) }
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

extension DashboardService {
    /// A team gone quiet: no support recorded in the last `days` days, or none since its founding decision that long ago.
    static func isQuiet(lastOn: String?, founded: String, days: Int, today: LocalDate) -> Bool {
        (lastOn ?? founded) < today.adding(days: -days).iso
    }

    /// Each team's latest support day (`team_activity`); a team without one has none recorded.
    static func lastActivity(of teams: [UUID], on db: any Database) async throws -> [UUID: String] {
        var last: [UUID: String] = [:]
        for chunk in teams.chunked(900) {
            for row in try await (db as! any SQLDatabase).select().column("team_id").column("last_on").from("team_activity")
                .where("team_id", .in, SQLBind.group(Array(chunk))).all() {
                last[try row.decode(column: "team_id", as: UUID.self)] = try row.decode(column: "last_on", as: String.self)
            }
        }
        return last
    }
}
