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

    static func format(_ value: Double?, kind: IndicatorKind, req: Request) -> String {
        guard let value else { return "—" }
        return kind == .coverage ? req.t("dashboard.percent", number(value, req: req)) : number(value, req: req)
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
        try await render(req: req, code: try await unitCode(req), period: try DashboardAPIController.period(req),
                         hierarchy: try DashboardAPIController.hierarchy(req), chosen: req.query[String.self, at: "indicator"],
                         input: TargetInput(), saved: req.query[String.self, at: "saved"] == "1")
    }

    static func render(req: Request, code: String, period: ReportPeriod, hierarchy: LocalDate, chosen asked: String?, input: TargetInput,
                       saved: Bool) async throws -> View {
        let scope = try req.scope
        let service = DashboardService(scope: scope, clock: req.clock)
        let place = try await service.place(code: code, asOf: hierarchy)
        let board = try await service.dashboard(place: place, period: period, hierarchy: hierarchy)
        let chosen = asked ?? board.indicators.first?.code ?? ""
        let query = "period=\(period)&hierarchy=\(hierarchy.iso)"
        let selected = board.indicators.first { $0.code == chosen }
        let views = views(board.indicators, chosen: chosen, req: req,
                          indicatorLink: { "/dashboard?unit=\(place.ref.code)&\(query)&indicator=\($0)" },
                          unitLink: { "/dashboard?unit=\($0)&\(query)&indicator=\(chosen)" })
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
                value: input.value ?? plain(selected.target), reason: input.reason ?? "", frozen: period.start <= req.clock.today(),
                methods: SplitMethod.allCases.map { SelectOption(value: $0.rawValue, label: req.t("target.method.\($0.rawValue)"),
                                                                 selected: $0.rawValue == (input.method ?? SplitMethod.population.rawValue)) },
                children: selected.breakdown.map { ChildTarget(code: $0.unit.code, name: $0.unit.name,
                                                               value: input.values?[$0.unit.code] ?? plain($0.target)) },
                errors: input.errors, saved: saved)
        }
        let page = Page(layout: Layout(request: req, title: req.t("dashboard.title")), unit: place.ref, unitCode: place.ref.code,
                        period: period.description, hierarchy: hierarchy.iso,
                        cards: cards(board.indicators, req: req, link: { "/dashboard?unit=\(place.ref.code)&\(query)&indicator=\($0)#selected-name" }),
                        explicit: asked != nil, rows: rows, selected: rows.first { $0.selected },
                        trendChart: trend, breakdownChart: bars, breakdown: breakdown,
                        rankingLink: "/rankings?unit=\(place.ref.code)&\(query)&indicator=\(chosen)", targets: forms)
        return try await req.view.render("dashboard/show", page)
    }

    struct TargetForm: Content {
        var unit: String?
        var indicator: String?
        var period: String?
        var hierarchy: String?
        var value: String?
        var reason: String?
        var method: String?
        var values: [String: String]?
    }

    /// A number as officials type it: `1.000` or `1 000` for a thousand, `12,5` (or `12.5`) for twelve and a half.
    static func parseNumber(_ text: String) -> Double? {
        var t = String(text.filter { !$0.isWhitespace })
        if t.contains(",") {
            t = t.replacingOccurrences(of: ".", with: "").replacingOccurrences(of: ",", with: ".")
        } else if t.contains("."), t.components(separatedBy: ".").dropFirst().allSatisfy({ $0.count == 3 }) {
            t = t.replacingOccurrences(of: ".", with: "")
        }
        return Double(t).flatMap { $0.isFinite ? $0 : nil }
    }

    /// `POST /dashboard/targets`: sets the shown unit's target; `POST /dashboard/targets/split`: splits it among the units under it.
    static func saveTarget(req: Request, split: Bool) async throws -> Response {
        let form = try req.content.decode(TargetForm.self)
        let hierarchy = form.hierarchy.flatMap(LocalDate.init) ?? req.clock.today()
        let period = form.period.flatMap(ReportPeriod.init) ?? ReportPeriod.year(req.clock.today().year)
        let service = TargetService(scope: try req.scope, clock: req.clock)
        var input = TargetInput(value: form.value, reason: form.reason, method: form.method, values: form.values)
        do {
            if split {
                var typed: [String: Double]?
                if form.method == SplitMethod.typed.rawValue {
                    typed = [:]
                    for (code, text) in form.values ?? [:] where !text.trimmingWhitespace().isEmpty {
                        guard let v = parseNumber(text) else { throw AppError.invalid("values.\(code)", "error.whole_number") }
                        typed![code] = v
                    }
                }
                _ = try await service.split(SplitTargetRequest(unit: form.unit, indicator: form.indicator, period: form.period,
                                                               method: form.method, values: typed, reason: form.reason))
            } else {
                let text = (form.value ?? "").trimmingWhitespace()
                let value = text.isEmpty ? nil : parseNumber(text)
                if !text.isEmpty, value == nil { throw AppError.invalid("value", "error.whole_number") }
                _ = try await service.set(SetTargetRequest(unit: form.unit, indicator: form.indicator, period: form.period, value: value,
                                                           reason: form.reason))
            }
        } catch let error as AppError {
            guard case let .invalid(fields) = error else { throw error }
            input.errors = fields.map { f in
                let label = f.field.hasPrefix("values.") ? req.t("target.child_value", String(f.field.dropFirst(7))) : req.t("field.\(f.field)")
                return label + ": " + req.application.catalogue.text(f.key, req.language, f.args)
            }
            return try await render(req: req, code: form.unit ?? "", period: period, hierarchy: hierarchy, chosen: form.indicator, input: input,
                                    saved: false).encodeResponse(status: error.status, for: req)
        }
        let back = "/dashboard?unit=\(form.unit ?? "")&period=\(period)&hierarchy=\(hierarchy.iso)&indicator=\(form.indicator ?? "")&saved=1"
        return req.redirect(to: (back.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? back) + "#target-forms")
    }

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
    }

    static func rankings(req: Request) async throws -> View {
        let service = DashboardService(scope: try req.scope, clock: req.clock)
        let hierarchy = try DashboardAPIController.hierarchy(req)
        let period = try DashboardAPIController.period(req)
        let place = try await service.place(code: try await unitCode(req), asOf: hierarchy)
        let all = try await service.indicators(for: place)
        let indicator = try await service.indicator(code: req.query[String.self, at: "indicator"] ?? all.first?.code, for: place)
        let measure = try DashboardAPIController.measure(req)
        let tier = try DashboardAPIController.tier(req)
        let threshold = try DashboardAPIController.intParameter(req, "threshold", default: 50, range: 0...100)
        let days = try DashboardAPIController.intParameter(req, "inactiveDays", default: 14, range: 1...365)
        let review = try await service.review(place: place, tier: tier, indicator: indicator, period: period, hierarchy: hierarchy, top: 5,
                                              threshold: Double(threshold), inactiveDays: days)
        let ranking = measure == .percent ? review.ranking
            : try await service.ranking(place: place, tier: tier, indicator: indicator, period: period, measure: measure, hierarchy: hierarchy)
        let query = "period=\(period)&hierarchy=\(hierarchy.iso)&indicator=\(indicator.code)"
        func row(_ e: RankingEntry) -> RankRow {
            RankRow(rank: e.rank, previousRank: e.previousRank.map(String.init) ?? "—", name: e.unit.name,
                    value: measure == .percent ? (e.percentOfPlan.map { req.t("dashboard.percent", number($0, req: req)) } ?? "—")
                        : format(e.value, kind: measure == .absolute ? indicator.kind : .count, req: req),
                    actual: format(e.actual, kind: indicator.kind, req: req), target: format(e.target, kind: indicator.kind, req: req),
                    percent: e.percentOfPlan.map { req.t("dashboard.percent", number($0, req: req)) } ?? "—",
                    link: "/dashboard?unit=\(e.unit.code)&\(query)")
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
                                                        days: $0.daysInactive.map(String.init) ?? "—") })
        return try await req.view.render("dashboard/rankings", page)
    }
}
