import Fluent
import SQLKit

/// Erasure of a member's personal data, and each member's own key for the pseudonyms the audit trail keeps
/// (`MemberPseudonyms`). Members recorded before get a random key here.
struct AddMemberErasure: AsyncMigration {
    func prepare(on database: any Database) async throws {
        // One column per statement: SQLite adds one at a time.
        try await database.schema(Member.schema).field("erased_at", .datetime).update()
        try await database.schema(Member.schema).field("audit_key", .string, .required, .sql(.default(""))).update()
        guard let sql = database as? any SQLDatabase else { return }
        if sql.engine == .postgres {
            try await sql.raw("UPDATE members SET audit_key = md5(gen_random_uuid()::text || gen_random_uuid()::text)").run()
        } else {
            try await sql.raw("UPDATE members SET audit_key = lower(hex(randomblob(16)))").run()
        }
    }

    func revert(on database: any Database) async throws {
        try await database.schema(Member.schema).deleteField("audit_key").update()
        try await database.schema(Member.schema).deleteField("erased_at").update()
    }
}
