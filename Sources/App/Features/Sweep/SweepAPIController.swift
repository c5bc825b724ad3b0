import Fluent
import LanToaCore
import Vapor

/// `/api/v1/sweep`: the sweep list (rà từng người) of a unit or a team, as JSON.
enum SweepAPIController {
    static func sweep(req: Request) async throws -> SweepResponse {
        let s = try req.supportLog
        guard let serviceCode = req.query[String.self, at: "service"] else { throw AppError.invalid("service", "error.required") }
        let unit: Unit
        if let teamID = req.query[String.self, at: "team"] {
            // A team's sweep list is its hamlet's (or commune's, for a commune-level team).
            let team = try await TeamService(scope: s.scope, clock: req.clock).find(id: UUID(uuidString: teamID))
            guard let teamUnit = try await Unit.find(team.unitID, on: req.db) else { throw AppError.notFound(what: "unit") }
            unit = teamUnit
        } else {
            guard let code = req.query[String.self, at: "unit"] else { throw AppError.invalid("unit", "error.required") }
            unit = try await UnitService(scope: s.scope, clock: req.clock).find(code: code, asOf: req.clock.today())
        }
        // The list is read over `readDB` (the replica when it is used); the record of the read is written on the primary.
        let sweep = try await SupportLogService(scope: try req.readScope, clock: req.clock, protector: req.application.protector)
            .sweep(unit: unit, serviceCode: serviceCode)
        try await req.application.personalDataReads.record(s.scope, clock: req.clock, action: .read, entity: "sweep", unitPath: unit.path,
                                                           summary: "\(unit.name): \(serviceCode)")
        return sweep
    }
}
