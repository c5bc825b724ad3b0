import Fluent
import SQLKit

/// The audit trail, made append-only in the database itself: updates and deletes are refused by triggers,
/// whatever code runs.
struct CreateAuditEntries: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(AuditEntry.schema)
            .id()
            .field("at", .datetime, .required)
            .field("actor_id", .uuid)
            .field("actor_login", .string, .required)
            .field("action", .string, .required)
            .field("entity", .string, .required)
            .field("entity_id", .string, .required)
            .field("unit_path", Indexes.pathType(database), .required)
            .field("summary", .string, .required)
            .field("before", .string, .required)
            .field("after", .string, .required)
            .create()
        try await Indexes.create(on: database, [
            ("audit_entries_path", AuditEntry.schema, ["unit_path", "at"]),
            ("audit_entries_entity", AuditEntry.schema, ["entity", "entity_id"]),
        ])
        let sql = database as! any SQLDatabase
        if sql.engine == .postgres {
            try await sql.raw("""
                CREATE FUNCTION audit_entries_append_only() RETURNS trigger AS $$
                BEGIN RAISE EXCEPTION 'audit entries are append-only'; END; $$ LANGUAGE plpgsql
                """).run()
            try await sql.raw("""
                CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries
                FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only()
                """).run()
        } else {
            for event in ["UPDATE", "DELETE"] {
                try await sql.raw("""
                    CREATE TRIGGER audit_entries_no_\(unsafeRaw: event.lowercased()) BEFORE \(unsafeRaw: event) ON audit_entries
                    BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END
                    """).run()
            }
        }
    }

    func revert(on database: any Database) async throws {
        try await AuditTrailKept.refuseRevert(on: database)
        let sql = database as! any SQLDatabase
        if sql.engine == .postgres {
            try await sql.raw("DROP TRIGGER audit_entries_append_only ON audit_entries").run()
            try await sql.raw("DROP FUNCTION audit_entries_append_only()").run()
        } else {
            try await sql.raw("DROP TRIGGER audit_entries_no_update").run()
            try await sql.raw("DROP TRIGGER audit_entries_no_delete").run()
        }
        try await database.schema(AuditEntry.schema).delete()
    }
}
