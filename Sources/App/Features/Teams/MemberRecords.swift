import Crypto
import Fluent
import Foundation
import LanToaCore

/// What the audit trail keeps of a member's name and phone: a reference keyed with the member's own key, never the
/// value. The reference shows that a value changed, and an auditor holding a value can check it while the person's
/// record exists; once the person's data is erased the key is gone with it and the references point at nobody. The
/// audit pages show the person's current name beside an entry only to accounts whose area still holds the person.
enum MemberPseudonyms {
    static func newKey() -> String {
        SymmetricKey(size: .bits128).withUnsafeBytes { Data($0) }.map { String(format: "%02x", $0) }.joined()
    }

    static func reference(_ value: String, field: String, key: String) -> String {
        guard !key.isEmpty, !value.isEmpty else { return "" }
        let code = HMAC<SHA256>.authenticationCode(for: Data("\(field):\(value)".utf8), using: SymmetricKey(data: Data(key.utf8)))
        return code.prefix(12).map { String(format: "%02x", $0) }.joined()
    }

    /// The current names of the members the entries are about, for those still in the caller's area and not erased.
    static func people(of entries: [AuditEntry], scope: Scope) async throws -> [UUID: String] {
        var memberOf: [UUID: UUID] = [:]
        for e in entries {
            if e.entity == "member", let id = UUID(uuidString: e.entityID) { memberOf[e.id!] = id }
            if e.entity == "membership", let id = (memberField(e.after) ?? memberField(e.before)) { memberOf[e.id!] = id }
        }
        let ids = Array(Set(memberOf.values))
        guard !ids.isEmpty else { return [:] }
        let members = try await scope.query(Member.self).filter(\.$id ~~ ids).filter(\.$erasedAt == nil).all()
        let names = Dictionary(members.map { ($0.id!, $0.fullName) }, uniquingKeysWith: { a, _ in a })
        return memberOf.compactMapValues { names[$0] }
    }

    private static func memberField(_ json: String) -> UUID? {
        guard !json.isEmpty, let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
              let text = object["member"] as? String else { return nil }
        return UUID(uuidString: text)
    }
}

/// A member's record beyond one team: moving a person between teams, which only an official whose area holds both
/// teams may do (a commune between its hamlets, a province between its communes), and erasing a former member's
/// personal data at their request.
struct MemberRecords {
    let scope: Scope
    let clock: AppClock

    /// Moves a member to another team: their open membership ends on the day and a new one starts in `team`.
    func transfer(id: UUID?, _ request: TransferMemberRequest) async throws -> (Membership, Member) {
        let member = try await scope.find(Member.self, id, what: "member")
        var problems: [FieldProblem] = []
        guard let teamID = request.team.flatMap(UUID.init(uuidString:)) else { throw AppError.invalid("team", "error.required") }
        let team = try await scope.find(Team.self, teamID, what: "team")
        try scope.authorize(.manageMemberships, at: member.unitPath)
        try scope.authorize(.manageMemberships, at: team.unitPath)
        guard member.erasedAt == nil else { throw AppError.invalid("id", "error.erased") }
        if team.status != .active { problems.append(FieldProblem("team", "error.team_dissolved")) }
        let role = request.role.flatMap { TeamRole(rawValue: $0) ?? TeamRole(text: $0) }
        if role == nil { problems.append(FieldProblem("role", "error.choice", "leader, deputy, member")) }
        var from = clock.today()
        if let raw = request.from, !raw.isEmpty {
            if let d = LocalDate(raw) { from = d } else { problems.append(FieldProblem("from", "error.date")) }
        }
        let open = try await Membership.query(on: scope.db).filter(\.$memberID == member.id!)
            .filter(\.$validTo == LocalDate.distantFuture.iso).all()
        if open.contains(where: { $0.teamID == team.id }) { problems.append(FieldProblem("team", "error.member_serving", member.phone)) }
        if let start = open.compactMap({ LocalDate($0.validFrom) }).max(), from < start { problems.append(FieldProblem("from", "error.before_start")) }
        guard problems.isEmpty, let role else { throw AppError.invalid(problems) }
        let day = from
        let phone = try PhoneNumber(parsing: member.phone)
        let input = TeamService.NewMember(fullName: member.fullName, phone: phone, gender: member.gender, birthYear: member.birthYear,
                                          role: role, affiliations: member.affiliations, from: from)
        let teams = TeamService(scope: scope, clock: clock)
        let oldTeams = try await Team.query(on: scope.db).filter(\.$id ~~ open.map(\.teamID)).all()
        let units = try await Unit.query(on: scope.db).filter(\.$id ~~ (oldTeams + [team]).map(\.unitID)).all()
        let tiers = Dictionary(units.map { ($0.id!, $0.tier) }, uniquingKeysWith: { a, _ in a })
        let now = clock.now()
        return try await scope.db.writeTransaction { db in
            for m in open {
                let before = Snapshot.membership(m)
                m.validTo = day.iso
                m.endReason = "Chuyển sang \(team.name)"
                try await m.save(on: db)
                try await Rollups.membership(at: m.unitPath, from: nil, to: day, 1, on: db)
                try await AuditLog.record(on: db, actor: scope.actor, at: now, action: .end, entity: "membership", entityID: m.id,
                                          unitPath: m.unitPath, summary: m.endReason, before: before, after: Snapshot.membership(m))
            }
            let result = try await teams.addMember(input, to: team, on: db)
            for t in oldTeams + [team] { try await TeamService.refreshCompliance(of: t, unitTier: tiers[t.unitID] ?? .hamlet, on: db) }
            return result
        }
    }

    /// Erases a former member's name and phone at their request (Law 91/2025/QH15). The row stays, stripped, so that
    /// the supports credited to them and the team's history still count; their audit key goes with it.
    func erase(id: UUID?) async throws -> Member {
        let member = try await scope.find(Member.self, id, what: "member")
        try scope.authorize(.manageUnitsAndTeams, at: member.unitPath)
        guard member.erasedAt == nil else { return member }
        let open = try await Membership.query(on: scope.db).filter(\.$memberID == member.id!)
            .filter(\.$validTo == LocalDate.distantFuture.iso).count()
        guard open == 0 else { throw AppError.invalid("id", "error.member_still_serving") }
        member.fullName = "—"
        // The phone column is unique: an erased member keeps a value that is no number.
        member.phone = "erased-" + member.id!.uuidString.lowercased()
        member.auditKey = ""
        member.erasedAt = clock.now()
        let erased = member
        try await scope.db.writeTransaction { db in
            try await erased.save(on: db)
            try await AuditLog.record(on: db, actor: scope.actor, at: clock.now(), action: .erase, entity: "member", entityID: erased.id,
                                      unitPath: erased.unitPath, summary: "Xoá dữ liệu cá nhân theo yêu cầu", before: Nothing?.none, after: Nothing?.none)
        }
        return member
    }
}
