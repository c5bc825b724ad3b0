import Fluent
import LanToaCore
import Vapor

/// The campaign pages (chiến dịch, e.g. "92 ngày đêm"): the campaigns of the account's area, and one campaign's
/// progress day by day over the units taking part, against its targets, with server-drawn charts.
enum CampaignsController {
    struct Item: Encodable {
        var name: String
        var dates: String
        var owner: String
        var units: Int
        var link: String
    }

    struct ListPage: Encodable {
        var layout: Layout
        var campaigns: [Item]
        var form: NewCampaignForm?
    }

    /// The form that launches a campaign from the account's own unit: its units taking part (none ticked: all the units
    /// under it) and up to `targetRows` indicators with their targets.
    struct NewCampaignForm: Encodable {
        var owner: String
        var ownerName: String
        var name: String
        var start: String
        var end: String
        var units: [Choice]
        var targets: [TargetRow]
        var errors: [String]
    }

    struct Choice: Encodable {
        var code: String
        var name: String
        var checked: Bool
    }

    struct TargetRow: Encodable {
        var number: String
        var indicators: [SelectOption]
        var value: String
    }

    static let targetRows = 3

    /// What was typed in the form, shown again with the errors.
    struct CampaignForm: Content {
        var owner: String?
        var name: String?
        var start: String?
        var end: String?
        var units: [String]?
        var indicators: [String]?
        var values: [String]?
    }

    static func dates(_ start: String, _ end: String) -> String {
        "\(LocalDate(start)?.vietnamese ?? start) – \(LocalDate(end)?.vietnamese ?? end)"
    }

    static func index(req: Request) async throws -> View {
        try await render(req: req, typed: CampaignForm(), errors: [])
    }

    static func render(req: Request, typed: CampaignForm, errors: [String]) async throws -> View {
        let scope = try req.scope
        let service = CampaignService(scope: scope, clock: req.clock)
        var items: [Item] = []
        for c in try await service.campaigns(unit: nil) {
            let r = try await service.campaignResponse(c, progress: false)
            items.append(Item(name: r.name, dates: dates(r.start, r.end), owner: r.owner.name, units: r.units.count,
                              link: SiteURL.campaign(r.id).path))
        }
        var form: NewCampaignForm?
        if (try? scope.authorize(.setTargets, at: scope.actor.scopePath)) != nil {
            let dashboards = DashboardService(scope: scope, clock: req.clock)
            let owner = try await ownPlace(req)
            let children = try await dashboards.children(of: owner, asOf: req.clock.today())
            let indicators = try await dashboards.indicators(for: owner)
            form = NewCampaignForm(
                owner: owner.ref.code, ownerName: owner.ref.name, name: typed.name ?? "", start: typed.start ?? "", end: typed.end ?? "",
                units: children.map { Choice(code: $0.ref.code, name: $0.ref.name, checked: typed.units?.contains($0.ref.code) ?? false) },
                targets: (0..<targetRows).map { i in
                    let chosen = typed.indicators.flatMap { i < $0.count ? $0[i] : nil } ?? ""
                    return TargetRow(number: String(i + 1),
                                     indicators: [SelectOption(value: "", label: "—", selected: chosen.isEmpty)]
                                         + indicators.map { SelectOption(value: $0.code, label: $0.name, selected: $0.code == chosen) },
                                     value: typed.values.flatMap { i < $0.count ? $0[i] : nil } ?? "")
                },
                errors: errors)
        }
        return try await req.view.render("campaigns/index", ListPage(layout: Layout(request: req, title: req.t("campaign.title")),
                                                                     campaigns: items, form: form))
    }

    /// The account's own unit (the nation for a national account), from which it launches campaigns.
    static func ownPlace(_ req: Request) async throws -> DashboardService.Place {
        let scope = try req.scope
        guard let id = Rollups.lastID(scope.actor.scopePath) else { return .nation }
        guard let unit = try await Unit.find(id, on: scope.db) else { throw AppError.notFound(what: "unit") }
        return DashboardService.Place(unit)
    }

    /// `POST /campaigns`: launches a campaign, then shows its progress; errors name the field, and nothing is written.
    static func create(req: Request) async throws -> Response {
        let typed = try req.content.decode(CampaignForm.self)
        let service = CampaignService(scope: try req.scope, clock: req.clock)
        do {
            var targets: [CampaignTargetPayload] = []
            let codes = typed.indicators ?? [], values = typed.values ?? []
            for i in 0..<max(codes.count, values.count) {
                let code = i < codes.count ? codes[i].trimmingWhitespace() : ""
                let text = i < values.count ? values[i].trimmingWhitespace() : ""
                if code.isEmpty && text.isEmpty { continue }
                let value = text.isEmpty ? nil : NumberFormatting.parse(text)
                if value == nil { throw AppError.invalid("targets[\(i)].value", text.isEmpty ? "error.required" : "error.whole_number") }
                targets.append(CampaignTargetPayload(indicator: code, value: value))
            }
            let units = (typed.units ?? []).filter { !$0.isEmpty }
            var owner = typed.owner ?? ""
            if owner.isEmpty { owner = try await ownPlace(req).ref.code }
            let campaign = try await service.createCampaign(CreateCampaignRequest(
                name: typed.name, start: typed.start, end: typed.end, owner: owner,
                units: units.isEmpty ? nil : units, targets: targets))
            return req.redirect(to: SiteURL.campaign(campaign.id!).path)
        } catch let error as AppError {
            guard case let .invalid(fields) = error else { throw error }
            let messages = fields.map { f in label(f.field, req: req) + ": " + req.application.catalogue.text(f.key, req.language, f.args) }
            return try await render(req: req, typed: typed, errors: messages).encodeResponse(status: error.status, for: req)
        }
    }

    /// The form's name for a field of the campaign request.
    static func label(_ field: String, req: Request) -> String {
        if field.hasPrefix("targets["), let close = field.firstIndex(of: "]"), let i = Int(field[field.index(field.startIndex, offsetBy: 8)..<close]) {
            return req.t(field.hasSuffix(".indicator") ? "campaign.target_indicator" : "campaign.target_value", String(i + 1))
        }
        switch field {
        case "name": return req.t("field.name")
        case "start", "end", "units", "targets": return req.t("campaign.\(field)")
        default: return field
        }
    }

    struct ShowPage: Encodable {
        var layout: Layout
        var name: String
        var dates: String
        var owner: String
        var units: String
        var rows: [DashboardController.Row]
        var selected: DashboardController.Row?
        var trendChart: String
        var breakdownChart: String
        var breakdown: [DashboardController.Row]
    }

    static func show(req: Request) async throws -> View {
        let scope = try req.readScope
        let service = CampaignService(scope: scope, clock: req.clock)
        let id = req.parameters.get("id", as: UUID.self)
        let campaign = try await scope.find(CampaignRecord.self, id, what: "campaign")
        let r = try await service.campaignResponse(campaign, progress: true)
        let progress = r.progress ?? []
        let chosen = req.query[String.self, at: "indicator"] ?? progress.first?.code ?? ""
        let link = SiteURL.campaign(r.id).path
        let views = DashboardController.views(progress, chosen: chosen, req: req, indicatorLink: { "\(link)?indicator=\($0)" },
                                              unitLink: { SiteURL.dashboard.with(["unit": $0, "period": campaign.period.description, "indicator": chosen]) })
        return try await req.view.render("campaigns/show", ShowPage(
            layout: Layout(request: req, title: r.name), name: r.name, dates: dates(r.start, r.end), owner: r.owner.name,
            units: r.units.map(\.name).joined(separator: ", "), rows: views.rows, selected: views.rows.first { $0.selected },
            trendChart: views.trend, breakdownChart: views.bars, breakdown: views.breakdown))
    }
}
