import Fluent
import Foundation
import LanToaCore

/// Adding members to a team and ending their memberships.
extension TeamService {
    struct NewMember {
        var fullName: String
        var phone: PhoneNumber
        var gender: Gender
        var birthYear: Int
        var role: TeamRole
        var affiliations: [Affiliation]
        var from: LocalDate
    }

    /// Checks a member's details by the one set of rules (`MemberRules`, shared with the import) and the start date.
    func validate(_ request: AddMemberRequest) throws -> NewMember {
        let today = clock.today()
        var problems: [FieldProblem] = []
        var details: MemberRules.Details?
        switch MemberRules.check(fullName: request.fullName, phone: request.phone, gender: request.gender, birthYear: request.birthYear.map(String.init),
                                 role: request.role, affiliations: request.affiliations ?? [], currentYear: today.year) {
        case .success(let d): details = d
        case .failure(let found):
            problems = found.all.map { p in
                var problem = FieldProblem(p.field.rawValue, "error.\(p.key.rawValue)")
                problem.args = p.args
                return problem
            }
        }
        var from = today
        if let raw = request.from, !raw.isEmpty {
            if let d = LocalDate(raw) { from = d } else { problems.append(FieldProblem("from", "error.date")) }
        }
        guard problems.isEmpty, let details else { throw AppError.invalid(problems) }
        return NewMember(fullName: details.fullName, phone: details.phone, gender: details.gender, birthYear: details.birthYear,
                         role: details.role, affiliations: details.affiliations, from: from)
    }

    /// Adds a person to a team. A person already serving in a team is refused; a former member is taken up again.
    func addMember(to team: Team, _ request: AddMemberRequest) async throws -> (Membership, Member) {
        try scope.authorize(.manageMemberships, at: team.unitPath)
        let input = try validate(request)
        guard team.status == .active else { throw AppError.invalid("team", "error.team_dissolved") }
        let unit = try await Unit.find(team.unitID, on: scope.db)
        do {
            return try await scope.db.writeTransaction { db in
                let result = try await self.addMember(input, to: team, on: db)
                try await Self.refreshCompliance(of: team, unitTier: unit?.tier ?? .hamlet, on: db)
                return result
            }
        } catch let error as any DatabaseError where error.isConstraintFailure {
            // Another request recorded the phone between the look-up and this insert.
            throw AppError.conflict(FieldProblem("phone", "error.member_serving", input.phone.digits))
        }
    }

    /// Adds a member in the caller's transaction; compliance is refreshed by the caller.
    func addMember(_ input: NewMember, to team: Team, demo: Bool = false, on db: any Database) async throws -> (Membership, Member) {
        let member: Member
        var before: Snapshot.MemberSnapshot?
        if let existing = try await Member.query(on: db).filter(\.$phone == input.phone.digits).first() {
            // A person recorded in another area is neither changed, moved nor described here: moving them is a
            // transfer between the officials above both units.
            guard scope.contains(path: existing.unitPath) else {
                throw AppError.conflict(FieldProblem("phone", "error.member_elsewhere"))
            }
            let open = try await Membership.query(on: db).filter(\.$memberID == existing.id!)
                .filter(\.$validTo == LocalDate.distantFuture.iso).count()
            if open > 0 { throw AppError.conflict(FieldProblem("phone", "error.member_serving", input.phone.digits)) }
            before = Snapshot.member(existing)
            member = existing
        } else {
            member = Member()
            member.id = UUID()
            member.demo = demo
            member.auditKey = MemberPseudonyms.newKey()
        }
        member.fullName = input.fullName
        member.phone = input.phone.digits
        member.gender = input.gender
        member.birthYear = input.birthYear
        member.affiliations = input.affiliations
        member.unitPath = team.unitPath
        try await member.save(on: db)
        let membership = Membership()
        membership.id = UUID()
        membership.teamID = team.id!
        membership.memberID = member.id!
        membership.unitPath = team.unitPath
        membership.role = input.role
        membership.validFrom = input.from.iso
        membership.validTo = LocalDate.distantFuture.iso
        membership.endReason = ""
        try await membership.create(on: db)
        try await Rollups.membership(at: membership.unitPath, from: input.from, to: nil, 1, on: db)
        try await AuditLog.record(on: db, actor: scope.actor, at: clock.now(), action: before == nil ? .create : .update, entity: "member",
                                  entityID: member.id, unitPath: team.unitPath, summary: "", before: before,
                                  after: Snapshot.member(member))
        try await AuditLog.record(on: db, actor: scope.actor, at: clock.now(), action: .create, entity: "membership",
                                  entityID: membership.id, unitPath: team.unitPath, summary: "→ \(team.name)",
                                  before: Nothing?.none, after: Snapshot.membership(membership))
        return (membership, member)
    }

    /// Ends a membership on a date (the person leaves the team).
    func endMembership(id: UUID?, _ request: EndMembershipRequest) async throws -> Membership {
        let membership = try await scope.find(Membership.self, id, what: "membership")
        try scope.authorize(.manageMemberships, at: membership.unitPath)
        var problems: [FieldProblem] = []
        var date = clock.today()
        if let raw = request.date, !raw.isEmpty {
            if let d = LocalDate(raw) { date = d } else { problems.append(FieldProblem("date", "error.date")) }
        }
        if !membership.isOpen { problems.append(FieldProblem("membership", "error.membership_ended")) }
        if let from = LocalDate(membership.validFrom), date < from { problems.append(FieldProblem("date", "error.before_start")) }
        let reason = (request.reason ?? "").trimmingWhitespace()
        if reason.count > 300 { problems.append(FieldProblem("reason", "error.too_long", "300")) }
        guard problems.isEmpty else { throw AppError.invalid(problems) }
        let team = try await find(id: membership.teamID)
        let unit = try await Unit.find(team.unitID, on: scope.db)
        let before = Snapshot.membership(membership)
        let endDate = date
        return try await scope.db.writeTransaction { db in
            membership.validTo = endDate.iso
            membership.endReason = reason
            try await membership.save(on: db)
            try await Rollups.membership(at: membership.unitPath, from: nil, to: endDate, 1, on: db)
            try await Self.refreshCompliance(of: team, unitTier: unit?.tier ?? .hamlet, on: db)
            try await AuditLog.record(on: db, actor: scope.actor, at: clock.now(), action: .end, entity: "membership",
                                      entityID: membership.id, unitPath: membership.unitPath, summary: reason,
                                      before: before, after: Snapshot.membership(membership))
            return membership
        }
    }
}
