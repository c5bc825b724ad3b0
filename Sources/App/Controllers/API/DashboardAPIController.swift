import Fluent
import LanToaCore
import Vapor

/// `/api/v1/indicators`, `/dashboard`, `/rankings`, `/review`, `/targets`, `/campaigns` and `/indicator-values`.
enum DashboardAPIController {
    static func dashboards(_ req: Request) throws -> DashboardService { DashboardService(scope: try req.scope, clock: req.clock) }
    static func targets(_ req: Request) throws -> TargetService { TargetService(scope: try req.scope, clock: req.clock) }

    /// The period asked for (`period=`), by default the current year.
    static func period(_ req: Request) throws -> ReportPeriod {
        guard let text = req.query[String.self, at: "period"], !text.isEmpty else { return .year(req.clock.today().year) }
        guard let p = ReportPeriod(text) else { throw AppError.invalid("period", "error.period", text) }
        return p
    }

    /// The hierarchy date (`hierarchy=`), by default today: figures are grouped under the units in force that day.
    static func hierarchy(_ req: Request) throws -> LocalDate {
        guard let text = req.query[String.self, at: "hierarchy"], !text.isEmpty else { return req.clock.today() }
        guard let d = LocalDate(text) else { throw AppError.invalid("hierarchy", "error.date") }
        return d
    }

    static func tier(_ req: Request) throws -> Tier? {
        guard let text = req.query[String.self, at: "tier"], !text.isEmpty else { return nil }
        guard let t = Tier(rawValue: text) else { throw AppError.invalid("tier", "error.choice", Tier.allCases.map(\.rawValue).joined(separator: ", ")) }
        return t
    }

    static func indicators(req: Request) async throws -> [IndicatorResponse] {
        let d = try dashboards(req)
        let place = try await d.place(code: req.query[String.self, at: "unit"], asOf: req.clock.today())
        return try await d.indicators(for: place).map(DashboardService.response)
    }

    static func createIndicator(req: Request) async throws -> Response {
        let record = try await IndicatorCatalogue(scope: try req.scope, clock: req.clock).add(try req.content.decode(CreateIndicatorRequest.self))
        return try await DashboardService.response(record).encodeResponse(status: .created, for: req)
    }

    static func dashboard(req: Request) async throws -> DashboardResponse {
        let d = try dashboards(req)
        let hierarchy = try hierarchy(req)
        let place = try await d.place(code: req.query[String.self, at: "unit"], asOf: hierarchy)
        return try await d.dashboard(place: place, period: try period(req), hierarchy: hierarchy)
    }

    static func measure(_ req: Request) throws -> DashboardService.Measure {
        guard let text = req.query[String.self, at: "measure"], !text.isEmpty else { return .absolute }
        guard let m = DashboardService.Measure(rawValue: text) else {
            throw AppError.invalid("measure", "error.choice", DashboardService.Measure.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return m
    }

    static func rankings(req: Request) async throws -> RankingResponse {
        let d = try dashboards(req)
        let hierarchy = try hierarchy(req)
        let place = try await d.place(code: req.query[String.self, at: "unit"], asOf: hierarchy)
        let indicator = try await d.indicator(code: req.query[String.self, at: "indicator"], for: place)
        return try await d.ranking(place: place, tier: try tier(req), indicator: indicator, period: try period(req), measure: try measure(req),
                                   hierarchy: hierarchy)
    }

    static func intParameter(_ req: Request, _ name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = req.query[String.self, at: name], !text.isEmpty else { return value }
        guard let n = Int(text), range.contains(n) else { throw AppError.invalid(name, "error.range", String(range.lowerBound), String(range.upperBound)) }
        return n
    }

    static func review(req: Request) async throws -> ReviewResponse {
        let d = try dashboards(req)
        let hierarchy = try hierarchy(req)
        let place = try await d.place(code: req.query[String.self, at: "unit"], asOf: hierarchy)
        let indicator = try await d.indicator(code: req.query[String.self, at: "indicator"], for: place)
        return try await d.review(place: place, tier: try tier(req), indicator: indicator, period: try period(req), hierarchy: hierarchy,
                                  top: try intParameter(req, "top", default: 5, range: 1...100),
                                  threshold: Double(try intParameter(req, "threshold", default: 50, range: 0...100)),
                                  inactiveDays: try intParameter(req, "inactiveDays", default: 14, range: 1...365))
    }

    static func listTargets(req: Request) async throws -> TargetsResponse {
        try await targets(req).list(unit: req.query[String.self, at: "unit"], indicator: req.query[String.self, at: "indicator"],
                                    period: req.query[String.self, at: "period"])
    }

    static func setTarget(req: Request) async throws -> TargetResponse {
        try await targets(req).set(try req.content.decode(SetTargetRequest.self))
    }

    static func splitTarget(req: Request) async throws -> TargetsResponse {
        try await targets(req).split(try req.content.decode(SplitTargetRequest.self))
    }

    static func createCampaign(req: Request) async throws -> Response {
        let t = try targets(req)
        let campaign = try await t.createCampaign(try req.content.decode(CreateCampaignRequest.self))
        return try await t.campaignResponse(campaign, progress: false).encodeResponse(status: .created, for: req)
    }

    static func campaigns(req: Request) async throws -> [CampaignResponse] {
        let t = try targets(req)
        var out: [CampaignResponse] = []
        for c in try await t.campaigns(unit: req.query[String.self, at: "unit"]) { out.append(try await t.campaignResponse(c, progress: false)) }
        return out
    }

    static func campaign(req: Request) async throws -> CampaignResponse {
        let t = try targets(req)
        let campaign = try await (try req.scope).find(CampaignRecord.self, req.parameters.get("id", as: UUID.self), what: "campaign")
        return try await t.campaignResponse(campaign, progress: true)
    }

    static func reportValue(req: Request) async throws -> Response {
        let value = try await targets(req).report(try req.content.decode(ReportValueRequest.self))
        return try await ["id": value.id!.uuidString, "on": value.on, "value": String(value.value)].encodeResponse(status: .created, for: req)
    }
}
