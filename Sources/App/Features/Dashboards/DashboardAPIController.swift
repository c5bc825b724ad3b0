import Fluent
import LanToaCore
import Vapor

/// `/api/v1/dashboard`, `/rankings` and `/review`: figures of a unit and of the units under it.
enum DashboardAPIController {
    static func dashboard(req: Request) async throws -> DashboardResponse {
        let d = try req.dashboards
        let hierarchy = try req.hierarchyDate()
        let place = try await d.place(code: req.query[String.self, at: "unit"], asOf: hierarchy)
        let period = try req.reportPeriod()
        var board = try await d.dashboard(place: place, period: period, hierarchy: hierarchy)
        board.difficulties = try await DifficultyService(scope: try req.readScope, clock: req.clock).figures(under: place.path, period: period)
        return board
    }

    static func rankings(req: Request) async throws -> RankingResponse {
        let d = try req.dashboards
        let hierarchy = try req.hierarchyDate()
        let place = try await d.place(code: req.query[String.self, at: "unit"], asOf: hierarchy)
        let indicator = try await d.indicator(code: req.query[String.self, at: "indicator"], for: place)
        return try await d.ranking(place: place, tier: try req.tierParameter(), indicator: indicator, period: try req.reportPeriod(), measure: try req.measureParameter(),
                                   hierarchy: hierarchy)
    }

    static func review(req: Request) async throws -> ReviewResponse {
        let d = try req.dashboards
        let hierarchy = try req.hierarchyDate()
        let place = try await d.place(code: req.query[String.self, at: "unit"], asOf: hierarchy)
        let indicator = try await d.indicator(code: req.query[String.self, at: "indicator"], for: place)
        return try await d.review(place: place, tier: try req.tierParameter(), indicator: indicator, period: try req.reportPeriod(), hierarchy: hierarchy,
                                  top: try req.intParameter("top", default: 5, range: 1...100),
                                  threshold: Double(try req.intParameter("threshold", default: 50, range: 0...100)),
                                  inactiveDays: try req.intParameter("inactiveDays", default: 14, range: 1...365))
    }
}
