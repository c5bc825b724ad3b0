import Fluent
import Foundation
import LanToaCore

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
