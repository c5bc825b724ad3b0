import Fluent
import Foundation
import LanToaCore

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
