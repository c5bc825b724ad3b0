import Fluent
import Foundation
import LanToaCore

/// Composition rules (cơ cấu tổ) of a team's province, and each team's stored compliance.
extension TeamService {
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
}
