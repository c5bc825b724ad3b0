import Fluent
import LanToaCore
import Vapor

/// The monthly review page (xếp hạng, biểu dương, nhắc nhở): units ranked on an indicator, the best commended,
/// the lagging reminded, the teams gone quiet.
enum RankingsController {
    struct RankRow: Encodable {
        var rank: Int
        var previousRank: String
        var name: String
        var value: String
        var actual: String
        var target: String
        var percent: String
        var link: String
    }

    struct QuietRow: Encodable {
        var name: String
        var unit: String
        var last: String
        var days: String
    }

    struct RankingPage: Encodable {
        var layout: Layout
        var unit: UnitRef
        var unitCode: String
        var period: String
        var hierarchy: String
        var indicatorName: String
        var indicators: [SelectOption]
        var measures: [SelectOption]
        var tiers: [SelectOption]
        var tieRule: String
        var threshold: Int
        var inactiveDays: Int
        var entries: [RankRow]
        var commend: [RankRow]
        var remind: [RankRow]
        var quiet: [QuietRow]
        /// Open early warnings under the unit, as last computed.
        var warnings: Int
    }

    static func rankings(req: Request) async throws -> View {
        let service = DashboardService(scope: try req.readScope, clock: req.clock)
        let hierarchy = try req.hierarchyDate()
        let period = try req.reportPeriod()
        let place = try await service.place(code: try await DashboardController.unitCode(req), asOf: hierarchy)
        let all = try await service.indicators(for: place)
        let indicator = try await service.indicator(code: req.query[String.self, at: "indicator"] ?? all.first?.code, for: place)
        let measure = try req.measureParameter()
        let tier = try req.tierParameter()
        let threshold = try req.intParameter("threshold", default: 50, range: 0...100)
        let days = try req.intParameter("inactiveDays", default: 14, range: 1...365)
        let review = try await service.review(place: place, tier: tier, indicator: indicator, period: period, hierarchy: hierarchy, top: 5,
                                              threshold: Double(threshold), inactiveDays: days)
        let ranking = measure == .percent ? review.ranking
            : try await service.ranking(place: place, tier: tier, indicator: indicator, period: period, measure: measure, hierarchy: hierarchy)
        func row(_ e: RankingEntry) -> RankRow {
            RankRow(rank: e.rank, previousRank: e.previousRank.map(String.init) ?? "—", name: e.unit.name,
                    value: measure == .percent ? (e.percentOfPlan.map { req.t("dashboard.percent", DashboardController.number($0, req: req)) } ?? "—")
                        : DashboardController.format(e.value, kind: measure == .absolute ? indicator.kind : .count, req: req),
                    actual: DashboardController.format(e.actual, kind: indicator.kind, req: req), target: DashboardController.format(e.target, kind: indicator.kind, req: req),
                    percent: e.percentOfPlan.map { req.t("dashboard.percent", DashboardController.number($0, req: req)) } ?? "—",
                    link: SiteURL.dashboard.with(["unit": e.unit.code, "period": period.description, "hierarchy": hierarchy.iso, "indicator": indicator.code]))
        }
        let page = RankingPage(
            layout: Layout(request: req, title: req.t("ranking.title")), unit: place.ref, unitCode: place.ref.code, period: period.description,
            hierarchy: hierarchy.iso, indicatorName: req.language == .en ? indicator.nameEn : indicator.name,
            indicators: all.map { SelectOption(value: $0.code, label: req.language == .en ? $0.nameEn : $0.name, selected: $0.code == indicator.code) },
            measures: DashboardService.Measure.allCases.map { SelectOption(value: $0.rawValue, label: req.t("ranking.measure.\($0.rawValue)"), selected: $0 == measure) },
            tiers: [SelectOption(value: "", label: req.t("ranking.tier.children"), selected: tier == nil)]
                + [Tier.commune, .hamlet].map { SelectOption(value: $0.rawValue, label: req.t("ranking.tier.\($0.rawValue)"), selected: $0 == tier) },
            tieRule: req.t("ranking.tie_rule"), threshold: threshold, inactiveDays: days,
            entries: ranking.entries.map(row), commend: review.commend.map(row), remind: review.remind.map(row),
            quiet: review.inactiveTeams.map { QuietRow(name: $0.name, unit: $0.unit.name, last: $0.lastActivityOn.flatMap(LocalDate.init)?.vietnamese ?? "—",
                                                        days: $0.daysInactive.map(String.init) ?? "—") },
            warnings: try await WarningService(scope: try req.readScope, clock: req.clock).openCount(under: place.path))
        return try await req.view.render("dashboards/rankings", page)
    }
}
