import Fluent
import SQLKit

/// Sign-in throttling counters and the flag that makes an account change a password someone else set.
struct CreateSignInProtection: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        // Times are whole Unix seconds: the same integers on both engines, compared in SQL without date functions.
        try await sql.raw("""
            CREATE TABLE sign_in_throttles (key TEXT PRIMARY KEY, failures INTEGER NOT NULL, last_failure_at BIGINT NOT NULL,
            blocked_until BIGINT NOT NULL)
            """).run()
        try await database.schema(User.schema).field("must_change_password", .bool, .required, .sql(.default(false))).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(User.schema).deleteField("must_change_password").update()
        try await (database as! any SQLDatabase).raw("DROP TABLE sign_in_throttles").run()
    }
}
