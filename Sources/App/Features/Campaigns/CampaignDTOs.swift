import Foundation
import LanToaCore
import Vapor

/// One indicator's target in a new campaign.
struct CampaignTargetPayload: Content {
    var indicator: String?
    var value: Double?
}

struct CreateCampaignRequest: Content {
    var name: String?
    var start: String?
    var end: String?
    var owner: String?
    var units: [String]?
    var targets: [CampaignTargetPayload]?
}

struct CampaignResponse: Content {
    var id: UUID
    var name: String
    var start: String
    var end: String
    var owner: UnitRef
    var units: [UnitRef]
    var indicators: [String]
    /// Progress day by day, per indicator, over the units taking part.
    var progress: [DashboardIndicator]?
}
