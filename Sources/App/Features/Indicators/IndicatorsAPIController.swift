import Fluent
import LanToaCore
import Vapor

/// `/api/v1/indicators` and `/api/v1/indicator-values`: the catalogue, a province's own indicators, values reported by hand.
enum IndicatorsAPIController {
    static func indicators(req: Request) async throws -> [IndicatorResponse] {
        let d = try req.dashboards
        let place = try await d.place(code: req.query[String.self, at: "unit"], asOf: req.clock.today())
        return try await d.indicators(for: place).map(DashboardService.response)
    }

    static func createIndicator(req: Request) async throws -> Response {
        let record = try await IndicatorCatalogue(scope: try req.scope, clock: req.clock).add(try req.content.decode(CreateIndicatorRequest.self))
        return try await DashboardService.response(record).encodeResponse(status: .created, for: req)
    }

    static func reportValue(req: Request) async throws -> Response {
        let value = try await ReportedValues(scope: try req.scope, clock: req.clock).report(try req.content.decode(ReportValueRequest.self))
        return try await ["id": value.id!.uuidString, "on": value.on, "value": String(value.value)].encodeResponse(status: .created, for: req)
    }
}
