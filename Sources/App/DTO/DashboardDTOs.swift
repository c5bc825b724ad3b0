import Foundation
import LanToaCore
import Vapor

struct IndicatorResponse: Content {
    var code: String
    var kind: IndicatorKind
    var name: String
    var nameEn: String
    var service: String?
    var figure: String?
    /// The province whose own indicator this is; nil for national ones.
    var province: String?
}

struct CreateIndicatorRequest: Content {
    var code: String?
    var kind: String?
    var name: String?
    var nameEn: String?
    var service: String?
    var province: String?
}

struct TrendPoint: Content {
    var date: String
    var value: Double
}

struct BreakdownRow: Content {
    var unit: UnitRef
    var actual: Double
    var target: Double?
    var percentOfPlan: Double?
}

struct DashboardIndicator: Content {
    var code: String
    var kind: IndicatorKind
    var name: String
    var actual: Double
    /// For coverage: residents (or households) with the service done, and those eligible.
    var numerator: Int64?
    var denominator: Int64?
    var target: Double?
    var percentOfPlan: Double?
    var trend: [TrendPoint]
    var breakdown: [BreakdownRow]
    /// The sum of the children's targets, and how it compares with this unit's target.
    var childTargets: Double?
    var splitFinding: SplitFinding?
}

struct DashboardResponse: Content {
    var unit: UnitRef
    var period: String
    var periodStart: String
    var periodEnd: String
    /// The date whose administrative hierarchy the figures are grouped under.
    var hierarchyDate: String
    var indicators: [DashboardIndicator]
}

struct RankingEntry: Content {
    var rank: Int
    var previousRank: Int?
    var unit: UnitRef
    /// The value ranked on (absolute, % of plan, or per 1,000 residents).
    var value: Double
    var previousValue: Double?
    var actual: Double
    var target: Double?
    var percentOfPlan: Double?
    var residents: Int64
}

struct RankingResponse: Content {
    var unit: UnitRef
    var indicator: IndicatorResponse
    var period: String
    var previousPeriod: String
    var measure: String
    var tieRule: String
    var entries: [RankingEntry]
}

struct InactiveTeam: Content {
    var team: String
    var name: String
    var unit: UnitRef
    var lastActivityOn: String?
    var daysInactive: Int?
}

struct ReviewResponse: Content {
    var ranking: RankingResponse
    /// Biểu dương: the first N.
    var commend: [RankingEntry]
    /// Nhắc nhở: below the threshold share of plan.
    var remind: [RankingEntry]
    var threshold: Double
    var inactiveDays: Int
    var inactiveTeams: [InactiveTeam]
}

struct SetTargetRequest: Content {
    var unit: String?
    var indicator: String?
    var period: String?
    var value: Double?
    /// Required to change a target whose period has started.
    var reason: String?
}

struct SplitTargetRequest: Content {
    var unit: String?
    var indicator: String?
    var period: String?
    /// even, population, eligible, typed
    var method: String?
    /// For a typed split: child unit code → value.
    var values: [String: Double]?
    var reason: String?
}

struct TargetResponse: Content {
    var unit: UnitRef
    var indicator: String
    var period: String
    var value: Double
    var method: String
    var frozen: Bool
}

struct TargetsResponse: Content {
    var target: TargetResponse?
    var children: [TargetResponse]
    var childrenTotal: Double
    var finding: SplitFinding?
}

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

struct ReportValueRequest: Content {
    var unit: String?
    var indicator: String?
    var on: String?
    var value: Int64?
}
