import Fluent
import Foundation
import LanToaCore
import Vapor

/// An account: a role and a scope unit whose subtree it sees and changes.
final class User: Model, @unchecked Sendable {
    static let schema = "users"

    @ID(key: .id) var id: UUID?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Field(key: "login") var login: String
    @Field(key: "password_hash") var passwordHash: String
    @Field(key: "display_name") var displayName: String
    @Field(key: "role") var role: Role
    @OptionalField(key: "scope_unit_id") var scopeUnitID: UUID?
    /// The scope unit's path (`/` for the whole country).
    @Field(key: "unit_path") var unitPath: String
    @Field(key: "disabled") var disabled: Bool
    /// Set when someone else chose the password (the first admin's, an account created or reset by an official).
    @Field(key: "must_change_password") var mustChangePassword: Bool
    /// The member of the team registry this account is (thành viên), if linked.
    @OptionalField(key: "member_id") var memberID: UUID?

    init() {}
}

extension User: ModelSessionAuthenticatable {}
