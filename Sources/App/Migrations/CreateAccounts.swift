import Fluent
import SQLKit

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
        if sql.dialect.name == "postgresql" {
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
        if sql.dialect.name == "postgresql" {
            try await sql.raw("DROP TRIGGER audit_entries_append_only ON audit_entries").run()
            try await sql.raw("DROP FUNCTION audit_entries_append_only()").run()
        } else {
            try await sql.raw("DROP TRIGGER audit_entries_no_update").run()
            try await sql.raw("DROP TRIGGER audit_entries_no_delete").run()
        }
        try await database.schema(AuditEntry.schema).delete()
    }
}

/// Secondary indexes, created the same way on SQLite and PostgreSQL, and the one column type that differs.
enum Indexes {
    /// Unit paths compare byte by byte (`COLLATE "C"` on PostgreSQL; SQLite's default is binary), so that
    /// subtree queries written as ranges (`QueryBuilder.under`) are exact and use the index under any server locale.
    static func pathType(_ database: any Database) -> DatabaseSchema.DataType {
        guard let sql = database as? any SQLDatabase, sql.dialect.name == "postgresql" else { return .string }
        return .custom(SQLRaw(#"TEXT COLLATE "C""#))
    }

    /// Whether a table has a column (the catalogue differs between the engines).
    static func hasColumn(_ column: String, in table: String, on sql: any SQLDatabase) async throws -> Bool {
        if sql.dialect.name == "postgresql" {
            return try await sql.raw("""
                SELECT 1 AS found FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = \(bind: table)
                AND column_name = \(bind: column)
                """).first() != nil
        }
        return try await sql.raw("SELECT 1 AS found FROM pragma_table_info(\(bind: table)) WHERE name = \(bind: column)").first() != nil
    }

    static func create(on database: any Database, _ indexes: [(name: String, table: String, columns: [String])]) async throws {
        let sql = database as! any SQLDatabase
        for index in indexes {
            var builder = sql.create(index: index.name).on(index.table)
            for column in index.columns { builder = builder.column(column) }
            try await builder.run()
        }
    }
}
