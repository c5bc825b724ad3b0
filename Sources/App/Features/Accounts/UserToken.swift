import Fluent
import Foundation
import LanToaCore
import Vapor

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
