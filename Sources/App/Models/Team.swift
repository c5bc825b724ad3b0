import Fluent
import Foundation
import LanToaCore

/// A community digital technology team (Tổ công nghệ số cộng đồng, Tổ CNSCĐ) of a hamlet or a commune.
final class Team: Model, @unchecked Sendable {
    static let schema = "teams"

    enum Status: String, Codable, Sendable, CaseIterable {
        case active
        case dissolved
    }

    // managed fields
    @ID(key: .id) var id: UUID?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    // data fields
    @Field(key: "unit_id") var unitID: UUID
    @Field(key: "unit_path") var unitPath: String
    @Field(key: "name") var name: String
    @Field(key: "decision_number") var decisionNumber: String
    @Field(key: "decision_date") var decisionDate: String
    @Field(key: "decision_signer") var decisionSigner: String
    @Field(key: "status") var status: Status
    /// Whether the current members meet the composition rules; kept with every membership change.
    @Field(key: "compliant") var compliant: Bool
    /// The codes of the current composition findings, comma-separated.
    @Field(key: "findings") var findings: String
    @Field(key: "member_count") var memberCount: Int
    @Field(key: "demo") var demo: Bool

    init() {}
}

/// An event in a team's life: founded, consolidated (kiện toàn) by a new decision, dissolved.
final class TeamEvent: Model, @unchecked Sendable {
    static let schema = "team_events"

    enum Kind: String, Codable, Sendable {
        case founded
        case consolidated
        case dissolved
    }

    @ID(key: .id) var id: UUID?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Field(key: "team_id") var teamID: UUID
    @Field(key: "unit_path") var unitPath: String
    @Field(key: "kind") var kind: Kind
    @Field(key: "date") var date: String
    @Field(key: "decision_number") var decisionNumber: String
    @Field(key: "decision_signer") var decisionSigner: String
    @Field(key: "note") var note: String

    init() {}
}

/// A person serving in a team (thành viên Tổ CNSCĐ). A person serves in one team at a time; the phone number
/// identifies the person.
final class Member: Model, @unchecked Sendable {
    static let schema = "members"

    @ID(key: .id) var id: UUID?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?
    @Field(key: "full_name") var fullName: String
    @Field(key: "phone") var phone: String
    @Field(key: "gender") var gender: Gender
    @Field(key: "birth_year") var birthYear: Int
    /// Affiliation codes, comma-separated.
    @Field(key: "affiliations") var affiliationCodes: String
    /// The path of the unit of the member's current (or last) team.
    @Field(key: "unit_path") var unitPath: String
    @Field(key: "demo") var demo: Bool
    /// When the person's data was erased at their request (the row stays, so that what they did still counts).
    @OptionalField(key: "erased_at") var erasedAt: Date?
    /// The person's own key for the references the audit trail keeps instead of their name and phone
    /// (`MemberPseudonyms`); emptied at erasure, which leaves those references pointing at nobody.
    @Field(key: "audit_key") var auditKey: String

    init() {}

    var affiliations: [Affiliation] {
        get { affiliationCodes.split(separator: ",").compactMap { Affiliation(rawValue: String($0)) } }
        set { affiliationCodes = newValue.map(\.rawValue).joined(separator: ",") }
    }
}

/// A dated membership of a person in a team with a role. Open memberships have `validTo` = 9999-12-31.
final class Membership: Model, @unchecked Sendable {
    static let schema = "memberships"

    @ID(key: .id) var id: UUID?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Field(key: "team_id") var teamID: UUID
    @Field(key: "member_id") var memberID: UUID
    @Field(key: "unit_path") var unitPath: String
    @Field(key: "role") var role: TeamRole
    @Field(key: "valid_from") var validFrom: String
    @Field(key: "valid_to") var validTo: String
    @Field(key: "end_reason") var endReason: String

    init() {}

    var isOpen: Bool { validTo == LocalDate.distantFuture.iso }
}

/// A province's own composition rules; provinces without one use the national defaults.
final class CompositionPolicyRecord: Model, @unchecked Sendable {
    static let schema = "composition_policies"

    @ID(key: .id) var id: UUID?
    @Field(key: "province_id") var provinceID: UUID
    @Field(key: "unit_path") var unitPath: String
    @Field(key: "minimum_members") var minimumMembers: Int
    @OptionalField(key: "maximum_members_hamlet") var maximumMembersHamlet: Int?
    @OptionalField(key: "maximum_members_commune") var maximumMembersCommune: Int?
    @Field(key: "leader_must_be_hamlet_head") var leaderMustBeHamletHead: Bool

    init() {}

    var policy: CompositionPolicy {
        CompositionPolicy(minimumMembers: minimumMembers, maximumMembersHamlet: maximumMembersHamlet,
                          maximumMembersCommune: maximumMembersCommune, leaderMustBeHamletHead: leaderMustBeHamletHead)
    }
}
