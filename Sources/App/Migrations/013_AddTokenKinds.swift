import Fluent

/// Tokens that can be listed and revoked: each knows when it was issued and whether it is an access token (12 hours)
/// or a phone's refresh token (30 days, exchanged for a new pair when the phone is back online).
struct AddTokenKinds: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(UserToken.schema).field("kind", .string, .required, .sql(.default("access"))).update()
        try await database.schema(UserToken.schema).field("created_at", .datetime).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(UserToken.schema).deleteField("created_at").update()
        try await database.schema(UserToken.schema).deleteField("kind").update()
    }
}
