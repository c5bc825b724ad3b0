import Fluent
import LanToaCore
import Vapor

/// The dashboard page (bảng điều hành) and the monthly review page (xếp hạng, biểu dương, nhắc nhở): the same figures
/// as the API, with charts drawn as SVG on the server, readable without JavaScript.
enum DashboardController {
    struct Row: Encodable {
        var code: String
        var name: String
        var actual: String
        var target: String
        var percent: String
        var link: String
        var selected: Bool
        var finding: String?
    }

    /// One of the unit's key indicators, shown as a card at the top of the page (the full table is a tap away).
    struct Card: Encodable {
        var code: String
        var name: String
        var actual: String
        var target: String?
        var percent: String
        var link: String
        /// A small trend line, decorative (the figures are in the card's text).
        var spark: String
    }

    /// The structural figures shown as cards when fewer than four indicators have targets.
    static let fallbackKeys = ["teams", "members", "residents", "households_visited"]

    /// The unit's key indicators: those with a target for the period (what the unit is judged on), then the main
    /// structural figures, four to six in all.
    static func cards(_ indicators: [DashboardIndicator], req: Request, link: (String) -> String) -> [Card] {
        var keys = indicators.filter { $0.target != nil }.prefix(6).map(\.code)
        for code in fallbackKeys where keys.count < 4 && !keys.contains(code) && indicators.contains(where: { $0.code == code }) {
            keys.append(code)
        }
        return keys.compactMap { code in indicators.first { $0.code == code } }.map { i in
            Card(code: i.code, name: i.name, actual: format(i.actual, kind: i.kind, req: req),
                 target: i.target.map { format($0, kind: i.kind, req: req) },
                 percent: i.percentOfPlan.map { req.t("dashboard.percent", number($0, req: req)) } ?? "—", link: link(i.code),
                 spark: SVGChart.sparkline(i.trend.map(\.value), target: i.target))
        }
    }

    struct Page: Encodable {
        var layout: Layout
        var unit: UnitRef
        var unitCode: String
        var period: String
        var hierarchy: String
        var cards: [Card]
        /// Whether an indicator was asked for: the full table then stays open.
        var explicit: Bool
        var rows: [Row]
        var selected: Row?
        var trendChart: String
        var breakdownChart: String
        var breakdown: [Row]
        var rankingLink: String
        var targets: TargetForms?
        /// Open early warnings under the unit, as last computed.
        var warnings: Int
        var warningsLink: String
        /// The difficulties of the area, in words.
        var difficulties: String
    }

    /// The forms to set the shown unit's target and split it among its children (chỉ tiêu), for accounts that may.
    struct TargetForms: Encodable {
        var indicator: String
        var period: String
        var hierarchy: String
        var canSet: Bool
        var canSplit: Bool
        var value: String
        var reason: String
        var frozen: Bool
        var methods: [SelectOption]
        var children: [ChildTarget]
        var errors: [String]
        var saved: Bool
    }

    struct ChildTarget: Encodable {
        var code: String
        var name: String
        var value: String
    }

    /// What was typed in a target form, shown again with the errors.
    struct TargetInput {
        var value: String?
        var reason: String?
        var method: String?
        var values: [String: String]?
        var errors: [String] = []
    }

    /// The unit asked for, or the account's own area.
    static func unitCode(_ req: Request) async throws -> String {
        if let code = req.query[String.self, at: "unit"], !code.isEmpty { return code }
        let user = try req.auth.require(User.self)
        guard let id = user.scopeUnitID, let unit = try await Unit.find(id, on: req.db) else { return "VN" }
        return unit.code
    }

    /// `1.234.567` and `12,5` in Vietnamese; `1,234,567` and `12.5` in English.
    static func number(_ value: Double, req: Request) -> String {
        let en = req.language == .en
        if value == value.rounded(), abs(value) < 1e15 {
            return (value < 0 ? "-" : "") + NumberFormatting.grouped(Int(abs(value)), separator: en ? "," : ".")
        }
        let text = String(format: "%.1f", value)
        return en ? text : text.replacingOccurrences(of: ".", with: ",")
    }

    /// The area's difficulties: open now, and the medians of those raised in the period.
    static func difficultyLine(place: DashboardService.Place, period: ReportPeriod, req: Request) async throws -> String {
        let f = try await DifficultyService(scope: try req.readScope, clock: req.clock).figures(under: place.path, period: period)
        func hours(_ h: Double?) -> String { h.map { number($0, req: req) } ?? "—" }
        return req.t("difficulty.figures", String(f.open), hours(f.medianHoursToFirstAnswer), hours(f.medianHoursToSolution))
    }

    static func format(_ value: Double?, kind: IndicatorKind, req: Request) -> String {
        guard let value else { return "—" }
        return kind.isRate ? req.t("dashboard.percent", number(value, req: req)) : number(value, req: req)
    }

    /// The table rows, charts and breakdown of a dashboard's indicators, for the dashboard and campaign pages.
    static func views(_ indicators: [DashboardIndicator], chosen: String, req: Request, indicatorLink: (String) -> String,
                      unitLink: (String) -> String) -> (rows: [Row], trend: String, bars: String, breakdown: [Row]) {
        func percent(_ p: Double?) -> String { p.map { req.t("dashboard.percent", number($0, req: req)) } ?? "—" }
        let rows = indicators.map { i in
            Row(code: i.code, name: i.name, actual: format(i.actual, kind: i.kind, req: req), target: format(i.target, kind: i.kind, req: req),
                percent: percent(i.percentOfPlan), link: indicatorLink(i.code), selected: i.code == chosen,
                finding: i.splitFinding.map { req.t("target.finding.\($0.kind.rawValue)", number(Double($0.amount), req: req)) })
        }
        guard let selected = indicators.first(where: { $0.code == chosen }) else { return (rows, "", "", []) }
        let trend = SVGChart.line(title: req.t("dashboard.trend", selected.name),
                                  points: selected.trend.map { SVGChart.Point(label: LocalDate($0.date)?.vietnamese ?? $0.date, value: $0.value) },
                                  target: selected.target, describe: req.chartSummary)
        let bars = SVGChart.bars(title: req.t("dashboard.breakdown", selected.name),
                                 bars: selected.breakdown.map { SVGChart.Bar(label: $0.unit.name, value: $0.actual, target: $0.target) },
                                 describe: req.chartSummary)
        let breakdown = selected.breakdown.map { b in
            Row(code: b.unit.code, name: b.unit.name, actual: format(b.actual, kind: selected.kind, req: req),
                target: format(b.target, kind: selected.kind, req: req), percent: percent(b.percentOfPlan), link: unitLink(b.unit.code),
                selected: false, finding: nil)
        }
        return (rows, trend, bars, breakdown)
    }

    static func show(req: Request) async throws -> View {
        try await render(req: req, code: try await unitCode(req), period: try req.reportPeriod(),
                         hierarchy: try req.hierarchyDate(), chosen: req.query[String.self, at: "indicator"],
                         input: TargetInput(), saved: req.query[String.self, at: "saved"] == "1")
    }

    static func render(req: Request, code: String, period: ReportPeriod, hierarchy: LocalDate, chosen asked: String?, input: TargetInput,
                       saved: Bool) async throws -> View {
        let scope = try req.readScope
        let service = DashboardService(scope: scope, clock: req.clock)
        let place = try await service.place(code: code, asOf: hierarchy)
        let board = try await service.dashboard(place: place, period: period, hierarchy: hierarchy)
        let chosen = asked ?? board.indicators.first?.code ?? ""
        func link(_ page: SiteURL, unit: String, indicator: String, anchor: String? = nil) -> String {
            page.with(["unit": unit, "period": period.description, "hierarchy": hierarchy.iso, "indicator": indicator], anchor: anchor)
        }
        let selected = board.indicators.first { $0.code == chosen }
        let views = views(board.indicators, chosen: chosen, req: req,
                          indicatorLink: { link(.dashboard, unit: place.ref.code, indicator: $0) },
                          unitLink: { link(.dashboard, unit: $0, indicator: chosen) })
        let (rows, trend, bars, breakdown) = (views.rows, views.trend, views.bars, views.breakdown)
        var forms: TargetForms?
        if let selected {
            let targets = TargetService(scope: scope, clock: req.clock)
            let canSet = (try? targets.authorizeSetting(for: place)) != nil
            let canSplit = selected.target != nil && !selected.breakdown.isEmpty
                && (try? scope.authorize(.setTargets, at: place.path == "/" ? scope.actor.scopePath : place.path)) != nil
            let plain: (Double?) -> String = { v in v.map { $0 == $0.rounded() ? String(Int64($0)) : String($0) } ?? "" }
            forms = TargetForms(
                indicator: selected.code, period: period.description, hierarchy: hierarchy.iso, canSet: canSet, canSplit: canSplit,
                value: input.value ?? plain(selected.target), reason: input.reason ?? "", frozen: TargetFreeze.isFrozen(periodStart: period.start, today: req.clock.today()),
                methods: SplitMethod.allCases.map { SelectOption(value: $0.rawValue, label: req.t("target.method.\($0.rawValue)"),
                                                                 selected: $0.rawValue == (input.method ?? SplitMethod.population.rawValue)) },
                children: selected.breakdown.map { ChildTarget(code: $0.unit.code, name: $0.unit.name,
                                                               value: input.values?[$0.unit.code] ?? plain($0.target)) },
                errors: input.errors, saved: saved)
        }
        let page = Page(layout: Layout(request: req, title: req.t("dashboard.title")), unit: place.ref, unitCode: place.ref.code,
                        period: period.description, hierarchy: hierarchy.iso,
                        cards: cards(board.indicators, req: req, link: { link(.dashboard, unit: place.ref.code, indicator: $0, anchor: "selected-name") }),
                        explicit: asked != nil, rows: rows, selected: rows.first { $0.selected },
                        trendChart: trend, breakdownChart: bars, breakdown: breakdown,
                        rankingLink: link(.rankings, unit: place.ref.code, indicator: chosen), targets: forms,
                        warnings: try await WarningService(scope: scope, clock: req.clock).openCount(under: place.path),
                        warningsLink: "/warnings?unit=\(SiteURL.encode(place.ref.code))",
                        difficulties: try await difficultyLine(place: place, period: period, req: req))
        return try await req.view.render("dashboards/show", page)
    }
}
