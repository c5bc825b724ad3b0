import Fluent
import SQLKit

/// Each province's Zalo tokens: the access token and the single-use refresh token that replaced the last one, both
/// sealed with the data key.
struct CreateZaloTokens: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await (database as! any SQLDatabase).raw("""
            CREATE TABLE zalo_tokens (province TEXT PRIMARY KEY, access_token TEXT NOT NULL, refresh_token TEXT NOT NULL,
            expires_at TEXT NOT NULL, updated_at TEXT NOT NULL)
            """).run()
    }

    func revert(on database: any Database) async throws {
        try await (database as! any SQLDatabase).raw("DROP TABLE zalo_tokens").run()
    }
}
