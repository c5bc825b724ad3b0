import Fluent
import Foundation
import LanToaCore
import Vapor

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
