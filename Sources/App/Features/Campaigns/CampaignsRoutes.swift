import Vapor

/// The routes of campaigns (chiến dịch) with their own targets and progress.
enum CampaignsRoutes: FeatureRoutes {
    static func register(_ r: RouteGroups) {
        r.authed.get("campaigns", use: CampaignsAPIController.campaigns)
        r.authed.post("campaigns", use: CampaignsAPIController.createCampaign)
        r.authedReads.get("campaigns", ":id", use: CampaignsAPIController.campaign)
        r.pages.get("campaigns", use: CampaignsController.index)
        r.pages.post("campaigns", use: CampaignsController.create)
        r.pageReads.get("campaigns", ":id", use: CampaignsController.show)
    }
}
