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

}
