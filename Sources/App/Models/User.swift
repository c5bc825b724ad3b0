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

/// A bearer token for the API, stored as its SHA-256 only.
final class UserToken: Model, @unchecked Sendable {
    static let schema = "user_tokens"

    @ID(key: .id) var id: UUID?
    @Field(key: "user_id") var userID: UUID
    @Field(key: "token_hash") var tokenHash: String
    @Field(key: "expires_at") var expiresAt: Date
    /// `access` (sent with every request) or `refresh` (only exchanged for a new pair).
    @Field(key: "kind") var kind: String
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}
}

/// An append-only record of a change: who, when, what, before and after.
final class AuditEntry: Model, @unchecked Sendable {
    static let schema = "audit_entries"

    @ID(key: .id) var id: UUID?
    @Field(key: "at") var at: Date
    @OptionalField(key: "actor_id") var actorID: UUID?
    @Field(key: "actor_login") var actorLogin: String
    @Field(key: "action") var action: String
    @Field(key: "entity") var entity: String
    @Field(key: "entity_id") var entityID: String
    @Field(key: "unit_path") var unitPath: String
    @Field(key: "summary") var summary: String
    @Field(key: "before") var before: String
    @Field(key: "after") var after: String
    /// The entry's place in the chain (1, 2, 3, …), the hash of the entry before it, and its own (`AuditChain`).
    @OptionalField(key: "seq") var seq: Int64?
    @Field(key: "prev_hash") var prevHash: String
    @Field(key: "hash") var hash: String

    init() {}
}

/// Small facts about the installation (reference data version, whether demo data was loaded).
final class Setting: Model, @unchecked Sendable {
    static let schema = "settings"

    @ID(custom: "key", generatedBy: .user) var id: String?
    @Field(key: "value") var value: String

    init() {}

    init(key: String, value: String) {
        self.id = key
        self.value = value
    }
}
