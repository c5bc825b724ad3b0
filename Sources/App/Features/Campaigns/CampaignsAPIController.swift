import Fluent
import LanToaCore
import Vapor

/// `/api/v1/campaigns`: create, list and follow campaigns (chiến dịch).
enum CampaignsAPIController {
    static func createCampaign(req: Request) async throws -> Response {
        let t = try req.campaignService
        let campaign = try await t.createCampaign(try req.content.decode(CreateCampaignRequest.self))
        return try await t.campaignResponse(campaign, progress: false).encodeResponse(status: .created, for: req)
    }

    static func campaigns(req: Request) async throws -> [CampaignResponse] {
        let t = try req.campaignService
        var out: [CampaignResponse] = []
        for c in try await t.campaigns(unit: req.query[String.self, at: "unit"]) { out.append(try await t.campaignResponse(c, progress: false)) }
        return out
    }

    static func campaign(req: Request) async throws -> CampaignResponse {
        // A campaign's progress is a dashboard: read over `readDB`, like one.
        let scope = try req.readScope
        let campaign = try await scope.find(CampaignRecord.self, req.parameters.get("id", as: UUID.self), what: "campaign")
        return try await CampaignService(scope: scope, clock: req.clock).campaignResponse(campaign, progress: true)
    }
}
