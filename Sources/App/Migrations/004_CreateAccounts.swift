import Fluent
import SQLKit

/// Accounts and their tokens.
struct CreateAccounts: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(User.schema)
            .id()
            .field("created_at", .datetime)
            .field("login", .string, .required)
            .field("password_hash", .string, .required)
            .field("display_name", .string, .required)
            .field("role", .string, .required)
            .field("scope_unit_id", .uuid, .references(Unit.schema, .id))
            .field("unit_path", Indexes.pathType(database), .required)
            .field("disabled", .bool, .required)
            .unique(on: "login")
            .create()
        try await database.schema(UserToken.schema)
            .id()
            .field("user_id", .uuid, .required, .references(User.schema, .id, onDelete: .cascade))
            .field("token_hash", .string, .required)
            .field("expires_at", .datetime, .required)
            .unique(on: "token_hash")
            .create()
        try await database.schema(Setting.schema)
            .field("key", .string, .identifier(auto: false))
            .field("value", .string, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(Setting.schema).delete()
        try await database.schema(UserToken.schema).delete()
        try await database.schema(User.schema).delete()
    }
}
