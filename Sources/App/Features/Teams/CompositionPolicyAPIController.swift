import Fluent
import LanToaCore
import Vapor

/// `/api/v1/units/{code}/composition-policy` and `/api/v1/units/{code}/team-imports`.
enum CompositionPolicyAPIController {
    static func showPolicy(req: Request) async throws -> CompositionPolicyResponse {
        let scope = try req.scope
        let province = try await provinceUnit(req: req, scope: scope)
        // Readable from inside the province (its communes apply it) and from above it.
        try scope.authorizeReading(unitAt: province.path)
        return try await policyResponse(province, scope: scope)
    }

    static func updatePolicy(req: Request) async throws -> CompositionPolicyResponse {
        let scope = try req.scope
        let province = try await provinceUnit(req: req, scope: scope)
        try scope.authorize(.manageUnitsAndTeams, at: province.path)
        let body = try req.content.decode(CompositionPolicyRequest.self)
        try await PolicyService(scope: scope, clock: req.clock).set(body, for: province)
        return try await policyResponse(province, scope: scope)
    }

    static func provinceUnit(req: Request, scope: Scope) async throws -> Unit {
        let unit = try await UnitService(scope: scope, clock: req.clock).find(code: try req.parameters.require("code"), asOf: req.clock.today())
        guard unit.tier == .province else { throw AppError.invalid("code", "error.not_province") }
        return unit
    }

    static func policyResponse(_ province: Unit, scope: Scope) async throws -> CompositionPolicyResponse {
        let record = try await CompositionPolicyRecord.query(on: scope.db).filter(\.$provinceID == province.id!).first()
        let p = record?.policy ?? .national
        return CompositionPolicyResponse(province: UnitRef(code: province.code, name: province.name, tier: province.tier), own: record != nil,
                                         minimumMembers: p.minimumMembers, maximumMembersHamlet: p.maximumMembersHamlet,
                                         maximumMembersCommune: p.maximumMembersCommune, leaderMustBeHamletHead: p.leaderMustBeHamletHead)
    }
}
