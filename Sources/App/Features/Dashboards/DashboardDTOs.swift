import Foundation
import LanToaCore
import Vapor

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
    /// The difficulties (vướng mắc) of the unit's area: open now, and answered and solved for those raised in the period.
    var difficulties: DifficultyFigures?
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
