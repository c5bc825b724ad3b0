import Fluent
import Foundation
import LanToaCore

/// Founding, changing, consolidating and dissolving teams, each with its decision (quyết định).
extension TeamService {
    struct Decision {
        var number: String
        var date: LocalDate
        var signer: String
    }

    func validateDecision(number: String?, date: String?, signer: String?, problems: inout [FieldProblem]) -> Decision? {
        let number = (number ?? "").trimmingWhitespace()
        let signer = TeamImport.normaliseName(signer ?? "")
        if number.isEmpty { problems.append(FieldProblem("decisionNumber", "error.required")) }
        if signer.isEmpty { problems.append(FieldProblem("decisionSigner", "error.required")) }
        var parsed: LocalDate?
        if let raw = date, !raw.isEmpty {
            parsed = LocalDate(raw)
            if parsed == nil { problems.append(FieldProblem("decisionDate", "error.date")) }
            else if parsed! > clock.today() { problems.append(FieldProblem("decisionDate", "error.future_date")); parsed = nil }
        } else {
            problems.append(FieldProblem("decisionDate", "error.required"))
        }
        guard let parsed, !number.isEmpty, !signer.isEmpty else { return nil }
        return Decision(number: number, date: parsed, signer: signer)
    }

    /// Founds a team for a current hamlet or commune of the actor's subtree that has no active team.
    func found(_ request: CreateTeamRequest, demo: Bool = false) async throws -> Team {
        var problems: [FieldProblem] = []
        let decision = validateDecision(number: request.decisionNumber, date: request.decisionDate, signer: request.decisionSigner, problems: &problems)
        let givenName = TeamImport.normaliseName(request.name ?? "")
        if givenName.count > 200 { problems.append(FieldProblem("name", "error.too_long", "200")) }
        guard let code = request.unit, !code.isEmpty else {
            throw AppError.invalid(problems + [FieldProblem("unit", "error.required")])
        }
        guard problems.isEmpty, let decision else { throw AppError.invalid(problems) }
        let units = UnitService(scope: scope, clock: clock)
        let unit: Unit
        do {
            unit = try await units.find(code: code, asOf: clock.today())
        } catch AppError.notFound {
            throw AppError.invalid("unit", "error.unknown_unit", code)
        }
        guard unit.tier == .hamlet || unit.tier == .commune else { throw AppError.invalid("unit", "error.team_unit_tier") }
        try scope.authorize(.manageUnitsAndTeams, at: unit.path)
        let name = givenName.isEmpty ? "Tổ CNSCĐ \(unit.name)" : givenName
        do {
            return try await scope.db.writeTransaction { db in
                try await self.found(unit: unit, name: name, decision: decision, demo: demo, on: db)
            }
        } catch let error as any DatabaseError where error.isConstraintFailure {
            // Another founding of the same unit committed between the check and this insert.
            throw AppError.conflict(FieldProblem("unit", "error.team_exists", unit.name))
        }
    }

    /// Founds a team in the caller's transaction (also used by imports).
    func found(unit: Unit, name: String, decision: Decision, demo: Bool, on db: any Database) async throws -> Team {
        if try await Team.query(on: db).filter(\.$unitID == unit.id!).filter(\.$status == .active).count() > 0 {
            throw AppError.conflict(FieldProblem("unit", "error.team_exists", unit.name))
        }
        let team = Team()
        team.id = UUID()
        team.unitID = unit.id!
        team.unitPath = unit.path
        team.name = name
        team.decisionNumber = decision.number
        team.decisionDate = decision.date.iso
        team.decisionSigner = decision.signer
        team.status = .active
        team.compliant = false
        team.findings = ""
        team.memberCount = 0
        team.demo = demo
        try await team.create(on: db)
        let event = TeamEvent()
        event.teamID = team.id!
        event.unitPath = unit.path
        event.kind = .founded
        event.date = decision.date.iso
        event.decisionNumber = decision.number
        event.decisionSigner = decision.signer
        event.note = ""
        try await event.create(on: db)
        try await Rollups.team(at: team.unitPath, on: decision.date, 1, on: db)
        try await Self.refreshCompliance(of: team, unitTier: unit.tier, on: db)
        try await AuditLog.record(on: db, actor: scope.actor, at: clock.now(), action: .create, entity: "team", entityID: team.id,
                                  unitPath: unit.path, summary: "\(team.name) (\(unit.code))", before: Nothing?.none,
                                  after: Snapshot.team(team))
        return team
    }

    /// Renames a team, or dissolves it.
    func update(_ team: Team, _ request: UpdateTeamRequest) async throws -> Team {
        try scope.authorize(.manageUnitsAndTeams, at: team.unitPath)
        var problems: [FieldProblem] = []
        let name = request.name.map(TeamImport.normaliseName)
        if let name, name.isEmpty { problems.append(FieldProblem("name", "error.required")) }
        if let name, name.count > 200 { problems.append(FieldProblem("name", "error.too_long", "200")) }
        var status: Team.Status?
        if let raw = request.status {
            status = Team.Status(rawValue: raw)
            if status == nil { problems.append(FieldProblem("status", "error.choice", "active, dissolved")) }
            if status == .active, team.status == .dissolved { problems.append(FieldProblem("status", "error.reactivate")) }
        }
        var date = clock.today()
        if let raw = request.date, !raw.isEmpty {
            if let d = LocalDate(raw) { date = d } else { problems.append(FieldProblem("date", "error.date")) }
        }
        guard problems.isEmpty else { throw AppError.invalid(problems) }
        let before = Snapshot.team(team)
        let (newStatus, endDate) = (status, date)
        return try await scope.db.writeTransaction { db in
            if let name { team.name = name }
            if newStatus == .dissolved, team.status == .active {
                team.status = .dissolved
                let open = try await Membership.query(on: db).filter(\.$teamID == team.id!)
                    .filter(\.$validTo == LocalDate.distantFuture.iso).all()
                for m in open {
                    m.validTo = endDate.iso
                    m.endReason = "Giải thể tổ"
                    try await m.save(on: db)
                    try await Rollups.membership(at: m.unitPath, from: nil, to: endDate, 1, on: db)
                }
                try await Rollups.team(at: team.unitPath, on: endDate, -1, on: db)
                try await Rollups.compliance(at: team.unitPath, was: team.compliant, now: false, on: db)
                let event = TeamEvent()
                event.teamID = team.id!
                event.unitPath = team.unitPath
                event.kind = .dissolved
                event.date = endDate.iso
                event.decisionNumber = ""
                event.decisionSigner = ""
                event.note = ""
                try await event.create(on: db)
                team.memberCount = 0
            }
            try await team.save(on: db)
            try await AuditLog.record(on: db, actor: scope.actor, at: clock.now(), action: .update, entity: "team", entityID: team.id,
                                      unitPath: team.unitPath, summary: team.name, before: before, after: Snapshot.team(team))
            return team
        }
    }

    /// Records a consolidation (kiện toàn): a new decision re-forming the team.
    func consolidate(_ team: Team, _ request: ConsolidateTeamRequest) async throws -> Team {
        try scope.authorize(.manageUnitsAndTeams, at: team.unitPath)
        var problems: [FieldProblem] = []
        let decision = validateDecision(number: request.decisionNumber, date: request.decisionDate, signer: request.decisionSigner, problems: &problems)
        if team.status != .active { problems.append(FieldProblem("status", "error.team_dissolved")) }
        guard problems.isEmpty, let decision else { throw AppError.invalid(problems) }
        let before = Snapshot.team(team)
        return try await scope.db.writeTransaction { db in
            team.decisionNumber = decision.number
            team.decisionDate = decision.date.iso
            team.decisionSigner = decision.signer
            try await team.save(on: db)
            let event = TeamEvent()
            event.teamID = team.id!
            event.unitPath = team.unitPath
            event.kind = .consolidated
            event.date = decision.date.iso
            event.decisionNumber = decision.number
            event.decisionSigner = decision.signer
            event.note = (request.note ?? "").trimmingWhitespace()
            try await event.create(on: db)
            try await AuditLog.record(on: db, actor: scope.actor, at: clock.now(), action: .update, entity: "team", entityID: team.id,
                                      unitPath: team.unitPath, summary: "Kiện toàn \(team.name)", before: before, after: Snapshot.team(team))
            return team
        }
    }
}
