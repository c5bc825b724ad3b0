import LanToaCore
import Vapor

/// The query parameters the dashboard, ranking, target and campaign routes share (pages and API alike), parsed once.
extension Request {
    /// Dashboards over `readDB`: the read replica on the routes that may read there, the primary elsewhere.
    var dashboards: DashboardService { get throws { DashboardService(scope: try readScope, clock: clock) } }
    var targetService: TargetService { get throws { TargetService(scope: try scope, clock: clock) } }
    var campaignService: CampaignService { get throws { CampaignService(scope: try scope, clock: clock) } }

    /// The period asked for (`period=`), by default the current year.
    func reportPeriod() throws -> ReportPeriod {
        guard let text = query[String.self, at: "period"], !text.isEmpty else { return .year(clock.today().year) }
        guard let p = ReportPeriod(text) else { throw AppError.invalid("period", "error.period", text) }
        return p
    }

    /// The hierarchy date (`hierarchy=`), by default today: figures are grouped under the units in force that day.
    func hierarchyDate() throws -> LocalDate {
        guard let text = query[String.self, at: "hierarchy"], !text.isEmpty else { return clock.today() }
        guard let d = LocalDate(text) else { throw AppError.invalid("hierarchy", "error.date") }
        return d
    }

    /// The tier to compare (`tier=`), by default the one below the place.
    func tierParameter() throws -> Tier? {
        guard let text = query[String.self, at: "tier"], !text.isEmpty else { return nil }
        guard let t = Tier(rawValue: text) else { throw AppError.invalid("tier", "error.choice", Tier.allCases.map(\.rawValue).joined(separator: ", ")) }
        return t
    }

    /// How a ranking measures (`measure=`): absolute figures, or per cent of target.
    func measureParameter() throws -> DashboardService.Measure {
        guard let text = query[String.self, at: "measure"], !text.isEmpty else { return .absolute }
        guard let m = DashboardService.Measure(rawValue: text) else {
            throw AppError.invalid("measure", "error.choice", DashboardService.Measure.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return m
    }

    /// A whole number within `range`, or `value` when absent.
    func intParameter(_ name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = query[String.self, at: name], !text.isEmpty else { return value }
        guard let n = Int(text), range.contains(n) else { throw AppError.invalid(name, "error.range", String(range.lowerBound), String(range.upperBound)) }
        return n
    }
}
