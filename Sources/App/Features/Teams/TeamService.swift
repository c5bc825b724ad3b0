import Fluent
import Foundation
import LanToaCore

/// Founding and consolidating teams (Tổ CNSCĐ), their memberships, and their composition findings.
struct TeamService {
    let scope: Scope
    let clock: AppClock

    // MARK: reading

    func find(id: UUID?) async throws -> Team {
        try await scope.find(Team.self, id, what: "team")
    }

    /// Teams in the actor's subtree under `unit` (the whole subtree when nil).
    func list(unit: Unit?, compliant: Bool?, status: Team.Status?, limit: Int, offset: Int) async throws -> (items: [Team], total: Int) {
        var query = scope.query(Team.self)
        if let unit {
            // A unit that neither contains nor lies in the actor's subtree is refused.
            try scope.authorizeReading(unitAt: unit.path)
            query = query.under(unit.path, \.$unitPath)
        }
        if let compliant { query = query.filter(\.$compliant == compliant) }
        if let status { query = query.filter(\.$status == status) }
        let total = try await query.count()
        let items = try await query.sort(\.$unitPath).sort(\.$name).range(offset..<(offset + limit)).all()
        return (items, total)
    }

    /// The current memberships of a team with their members, leader first.
    func currentMembers(of team: Team) async throws -> [(Membership, Member)] {
        try await members(of: team, openOnly: true)
    }

    func members(of team: Team, openOnly: Bool) async throws -> [(Membership, Member)] {
        try await members(of: [team], openOnly: openOnly)[team.id!] ?? []
    }

    /// The memberships of several teams with their members, leader first, in two queries whatever the number of teams.
    func members(of teams: [Team], openOnly: Bool) async throws -> [UUID: [(Membership, Member)]] {
        let teamIDs = teams.compactMap(\.id)
        guard !teamIDs.isEmpty else { return [:] }
        var query = scope.query(Membership.self).filter(\.$teamID ~~ teamIDs)
        if openOnly { query = query.filter(\.$validTo == LocalDate.distantFuture.iso) }
        let memberships = try await query.all()
        let ids = Array(Set(memberships.map(\.memberID)))
        let members = ids.isEmpty ? [] : try await Member.query(on: scope.db).filter(\.$id ~~ ids).all()
        let byID = Dictionary(members.map { ($0.id!, $0) }, uniquingKeysWith: { a, _ in a })
        let order: [TeamRole: Int] = [.leader: 0, .deputy: 1, .member: 2]
        return Dictionary(grouping: memberships.compactMap { m in byID[m.memberID].map { (m, $0) } }, by: { $0.0.teamID })
            .mapValues { $0.sorted { (order[$0.0.role]!, $0.1.fullName) < (order[$1.0.role]!, $1.1.fullName) } }
    }

    /// A list of teams as the API answers it, in a fixed number of queries (members, then the provinces' policies).
    func responses(_ teams: [Team], units: [UUID: Unit], describe: (CompositionFinding) -> String) async throws -> [TeamResponse] {
        let members = try await members(of: teams, openOnly: true)
        let policies = try await policies(forPaths: teams.map(\.unitPath))
        return teams.compactMap { team in
            guard let unit = units[team.unitID] else { return nil }
            return summary(team, unit: unit, current: members[team.id!] ?? [], policy: policies[Self.provinceKey(team.unitPath)] ?? .national,
                           describe: describe)
        }
    }

    private func summary(_ team: Team, unit: Unit, current: [(Membership, Member)], policy: CompositionPolicy,
                         describe: (CompositionFinding) -> String) -> TeamResponse {
        var r = TeamResponse(
            id: team.id!, name: team.name, unit: UnitRef(code: unit.code, name: unit.name, tier: unit.tier),
            decision: DecisionResponse(number: team.decisionNumber, date: team.decisionDate, signer: team.decisionSigner),
            status: team.status, compliant: team.compliant, compliance: [], memberCount: team.memberCount, demo: team.demo,
            members: nil, history: nil)
        if team.status == .active {
            r.compliance = Composition.check(members: current.map { CompositionMember(role: $0.0.role, affiliations: $0.1.affiliations) },
                                             teamTier: unit.tier, policy: policy)
                .map { FindingResponse(code: $0.code, message: describe($0)) }
        }
        return r
    }

    /// One team with its members and history.
    func response(_ team: Team, unit: Unit, detail: Bool, describe: (CompositionFinding) -> String) async throws -> TeamResponse {
        let all = try await members(of: team, openOnly: false)
        let current = all.filter { $0.0.isOpen }
        var r = summary(team, unit: unit, current: current, policy: try await policy(forPath: team.unitPath), describe: describe)
        if detail {
            r.members = current.map(Self.memberResponse)
            var history: [HistoryEntryResponse] = []
            let events = try await scope.query(TeamEvent.self).filter(\.$teamID == team.id!).all()
            for e in events {
                history.append(HistoryEntryResponse(date: e.date, kind: e.kind.rawValue,
                                                    text: [e.decisionNumber, e.decisionSigner, e.note].filter { !$0.isEmpty }.joined(separator: " · ")))
            }
            for (m, member) in all {
                history.append(HistoryEntryResponse(date: m.validFrom, kind: "joined", text: "\(member.fullName) (\(m.role.rawValue))"))
                if !m.isOpen {
                    history.append(HistoryEntryResponse(date: m.validTo, kind: "left",
                                                        text: "\(member.fullName)" + (m.endReason.isEmpty ? "" : ": \(m.endReason)")))
                }
            }
            r.history = history.sorted { ($0.date, $0.kind) < ($1.date, $1.kind) }
        }
        return r
    }

    static func memberResponse(_ pair: (Membership, Member)) -> MemberResponse {
        let (m, member) = pair
        return MemberResponse(membershipId: m.id!, memberId: member.id!, fullName: member.fullName, phone: member.phone,
                              gender: member.gender, birthYear: member.birthYear, role: m.role, affiliations: member.affiliations,
                              from: m.validFrom, to: m.isOpen ? nil : m.validTo, endReason: m.isOpen ? nil : m.endReason)
    }

    // MARK: composition

    /// The composition rules of the province a path lies in.
    func policy(forPath path: String) async throws -> CompositionPolicy {
        try await policies(forPaths: [path])[Self.provinceKey(path)] ?? .national
    }

    /// The composition rules of the provinces the paths lie in, keyed by `provinceKey`, in one query.
    func policies(forPaths paths: [String]) async throws -> [String: CompositionPolicy] {
        let ids = Set(paths.compactMap { UUID(uuidString: Self.provinceKey($0)) })
        guard !ids.isEmpty else { return [:] }
        let records = try await CompositionPolicyRecord.query(on: scope.db).filter(\.$provinceID ~~ Array(ids)).all()
        return Dictionary(records.map { ($0.provinceID.uuidString, $0.policy) }, uniquingKeysWith: { a, _ in a })
    }

    /// The province part of a unit path (its first component).
    static func provinceKey(_ path: String) -> String {
        path.split(separator: "/").first.map { UUID(uuidString: String($0))?.uuidString ?? "" } ?? ""
    }

    /// Recomputes and stores a team's member count and compliance (in the caller's transaction).
    static func refreshCompliance(of team: Team, unitTier: Tier, on db: any Database) async throws {
        let open = try await Membership.query(on: db).filter(\.$teamID == team.id!)
            .filter(\.$validTo == LocalDate.distantFuture.iso).all()
        let ids = open.map(\.memberID)
        let members = ids.isEmpty ? [] : try await Member.query(on: db).filter(\.$id ~~ ids).all()
        let byID = Dictionary(members.map { ($0.id!, $0) }, uniquingKeysWith: { a, _ in a })
        let provinceID = team.unitPath.split(separator: "/").first.flatMap { UUID(uuidString: String($0)) }
        let policy = try await provinceID.asyncMap { id in
            try await CompositionPolicyRecord.query(on: db).filter(\.$provinceID == id).first()?.policy
        } ?? .national
        let findings = Composition.check(
            members: open.compactMap { m in byID[m.memberID].map { CompositionMember(role: m.role, affiliations: $0.affiliations) } },
            teamTier: unitTier, policy: policy)
        let wasCounted = team.status == .active && team.compliant
        team.memberCount = open.count
        team.compliant = findings.isEmpty
        try await Rollups.compliance(at: team.unitPath, was: wasCounted, now: team.status == .active && team.compliant, on: db)
        team.findings = findings.map(\.code).joined(separator: ",")
        try await team.save(on: db)
    }

    // MARK: writing

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
            return try await scope.db.transaction { db in
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
        return try await scope.db.transaction { db in
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
        return try await scope.db.transaction { db in
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
            return try await scope.db.transaction { db in
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
        return try await scope.db.transaction { db in
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

/// What the audit trail keeps of each entity.
enum Snapshot {
    struct TeamSnapshot: Encodable {
        var name: String
        var decisionNumber: String
        var decisionDate: String
        var decisionSigner: String
        var status: String
    }

    /// A member's name and phone are kept as references (`MemberPseudonyms`), not as values.
    struct MemberSnapshot: Encodable {
        var nameRef: String
        var phoneRef: String
        var gender: String
        var birthYear: Int
        var affiliations: String
    }

    struct MembershipSnapshot: Encodable {
        var team: String
        var member: String
        var role: String
        var from: String
        var to: String
        var endReason: String
    }

    static func team(_ t: Team) -> TeamSnapshot {
        TeamSnapshot(name: t.name, decisionNumber: t.decisionNumber, decisionDate: t.decisionDate,
                     decisionSigner: t.decisionSigner, status: t.status.rawValue)
    }

    static func member(_ m: Member) -> MemberSnapshot {
        MemberSnapshot(nameRef: MemberPseudonyms.reference(m.fullName, field: "name", key: m.auditKey),
                       phoneRef: MemberPseudonyms.reference(m.phone, field: "phone", key: m.auditKey), gender: m.gender.rawValue, birthYear: m.birthYear,
                       affiliations: m.affiliationCodes)
    }

    static func membership(_ m: Membership) -> MembershipSnapshot {
        MembershipSnapshot(team: m.teamID.uuidString.lowercased(), member: m.memberID.uuidString.lowercased(), role: m.role.rawValue,
                           from: m.validFrom, to: m.validTo, endReason: m.endReason)
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T?) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
