import Fluent
import Foundation
import LanToaCore

/// A province's own composition rules; setting them re-checks every active team of the province.
struct PolicyService {
    let scope: Scope
    let clock: AppClock

    func set(_ request: CompositionPolicyRequest, for province: Unit) async throws {
        try scope.authorize(.manageUnitsAndTeams, at: province.path)
        var problems: [FieldProblem] = []
        let minimum = request.minimumMembers ?? CompositionPolicy.national.minimumMembers
        if !(1...100).contains(minimum) { problems.append(FieldProblem("minimumMembers", "error.range", "1", "100")) }
        for (field, value) in [("maximumMembersHamlet", request.maximumMembersHamlet), ("maximumMembersCommune", request.maximumMembersCommune)] {
            if let value, !(minimum...200).contains(value) { problems.append(FieldProblem(field, "error.range", String(minimum), "200")) }
        }
        guard problems.isEmpty else { throw AppError.invalid(problems) }
        try await scope.db.writeTransaction { db in
            let record = try await CompositionPolicyRecord.query(on: db).filter(\.$provinceID == province.id!).first() ?? {
                let r = CompositionPolicyRecord()
                r.provinceID = province.id!
                r.unitPath = province.path
                return r
            }()
            let before = record.id == nil ? nil : record.policy
            record.minimumMembers = minimum
            record.maximumMembersHamlet = request.maximumMembersHamlet
            record.maximumMembersCommune = request.maximumMembersCommune
            record.leaderMustBeHamletHead = request.leaderMustBeHamletHead ?? CompositionPolicy.national.leaderMustBeHamletHead
            try await record.save(on: db)
            let teams = try await Team.query(on: db).under(province.path, \.$unitPath).filter(\.$status == .active).all()
            let units = try await TeamsAPIController.unitsByID(teams.map(\.unitID), on: db)
            for team in teams {
                try await TeamService.refreshCompliance(of: team, unitTier: units[team.unitID]?.tier ?? .hamlet, on: db)
            }
            try await AuditLog.record(on: db, actor: scope.actor, at: clock.now(), action: .update, entity: "composition_policy",
                                      entityID: record.id, unitPath: province.path, summary: province.name, before: before, after: record.policy)
        }
    }
}
