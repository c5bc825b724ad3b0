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
    }

    static func dates(_ start: String, _ end: String) -> String {
        "\(LocalDate(start)?.vietnamese ?? start) – \(LocalDate(end)?.vietnamese ?? end)"
    }

    static func index(req: Request) async throws -> View {
        let service = TargetService(scope: try req.scope, clock: req.clock)
        var items: [Item] = []
        for c in try await service.campaigns(unit: nil) {
            let r = try await service.campaignResponse(c, progress: false)
            items.append(Item(name: r.name, dates: dates(r.start, r.end), owner: r.owner.name, units: r.units.count,
                              link: "/campaigns/\(r.id.uuidString.lowercased())"))
        }
        return try await req.view.render("campaigns/index", ListPage(layout: Layout(request: req, title: req.t("campaign.title")), campaigns: items))
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
        let scope = try req.scope
        let service = TargetService(scope: scope, clock: req.clock)
        let id = req.parameters.get("id", as: UUID.self)
        let campaign = try await scope.find(CampaignRecord.self, id, what: "campaign")
        let r = try await service.campaignResponse(campaign, progress: true)
        let progress = r.progress ?? []
        let chosen = req.query[String.self, at: "indicator"] ?? progress.first?.code ?? ""
        let link = "/campaigns/\(r.id.uuidString.lowercased())"
        let views = DashboardController.views(progress, chosen: chosen, req: req, indicatorLink: { "\(link)?indicator=\($0)" },
                                              unitLink: { "/dashboard?unit=\($0)&period=\(campaign.period)&indicator=\(chosen)" })
        return try await req.view.render("campaigns/show", ShowPage(
            layout: Layout(request: req, title: r.name), name: r.name, dates: dates(r.start, r.end), owner: r.owner.name,
            units: r.units.map(\.name).joined(separator: ", "), rows: views.rows, selected: views.rows.first { $0.selected },
            trendChart: views.trend, breakdownChart: views.bars, breakdown: views.breakdown))
    }
}
