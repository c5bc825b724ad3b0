import Fluent
import SQLKit

/// Tamper evidence: the audit trail becomes a hash chain (`AuditChain`), entries already written are chained in the
/// order they were written, and the support log gets the audit trail's protection: the database refuses to update or
/// delete its rows, and on PostgreSQL to truncate either table.
struct ChainAuditTrail: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        let postgres = sql.engine == .postgres
        // One column a statement: SQLite adds a single column per ALTER TABLE.
        // Null until the entry is sealed into the chain (`AuditChain.seal`).
        try await database.schema(AuditEntry.schema).field("seq", .int64).update()
        try await database.schema(AuditEntry.schema).field("prev_hash", .string, .required, .sql(.default(""))).update()
        try await database.schema(AuditEntry.schema).field("hash", .string, .required, .sql(.default(""))).update()
        // Entries written before the chain are chained now, oldest first; the triggers step aside while that happens.
        if postgres {
            try await sql.raw("ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only").run()
        } else {
            try await sql.raw("DROP TRIGGER audit_entries_no_update").run()
        }
        let existing = try await AuditEntry.query(on: database).sort(\.$at).sort(\.$id).all()
        var previous = ""
        for (i, entry) in existing.enumerated() {
            entry.seq = Int64(i + 1)
            entry.prevHash = previous
            entry.hash = AuditChain.hash(entry)
            try await entry.update(on: database)
            previous = entry.hash
        }
        try await Setting(key: AuditChain.headKey, value: "\(existing.count):\(previous)").create(on: database)
        // From now on the one update allowed is sealing: an entry not yet in the chain gets its place and hashes,
        // nothing of its content changes.
        if postgres {
            try await sql.raw("""
                CREATE OR REPLACE FUNCTION audit_entries_append_only() RETURNS trigger AS $$
                BEGIN
                  IF TG_OP = 'UPDATE' AND OLD.hash = '' AND (NEW.id, NEW.at, NEW.actor_id, NEW.actor_login, NEW.action, NEW.entity,
                     NEW.entity_id, NEW.unit_path, NEW.summary, NEW.before, NEW.after) IS NOT DISTINCT FROM (OLD.id, OLD.at, OLD.actor_id,
                     OLD.actor_login, OLD.action, OLD.entity, OLD.entity_id, OLD.unit_path, OLD.summary, OLD.before, OLD.after) THEN
                    RETURN NEW;
                  END IF;
                  RAISE EXCEPTION 'audit entries are append-only';
                END; $$ LANGUAGE plpgsql
                """).run()
            try await sql.raw("ALTER TABLE audit_entries ENABLE TRIGGER audit_entries_append_only").run()
        } else {
            let changed = ["id", "at", "actor_id", "actor_login", "action", "entity", "entity_id", "unit_path", "summary", "before", "after"]
                .map { "NEW.\($0) IS NOT OLD.\($0)" }.joined(separator: " OR ")
            try await sql.raw("""
                CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries WHEN OLD.hash <> '' OR \(unsafeRaw: changed)
                BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END
                """).run()
        }
        try await sql.raw("CREATE UNIQUE INDEX audit_entries_seq ON audit_entries (seq)").run()

        if postgres {
            try await sql.raw("""
                CREATE FUNCTION support_activities_append_only() RETURNS trigger AS $$
                BEGIN RAISE EXCEPTION 'the support log is append-only: correct an entry with a new one that supersedes it'; END; $$ LANGUAGE plpgsql
                """).run()
            try await sql.raw("""
                CREATE TRIGGER support_activities_append_only BEFORE UPDATE OR DELETE ON support_activities
                FOR EACH ROW EXECUTE FUNCTION support_activities_append_only()
                """).run()
            try await sql.raw("""
                CREATE TRIGGER support_activities_no_truncate BEFORE TRUNCATE ON support_activities
                FOR EACH STATEMENT EXECUTE FUNCTION support_activities_append_only()
                """).run()
            try await sql.raw("""
                CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries
                FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_append_only()
                """).run()
        } else {
            for event in ["UPDATE", "DELETE"] {
                try await sql.raw("""
                    CREATE TRIGGER support_activities_no_\(unsafeRaw: event.lowercased()) BEFORE \(unsafeRaw: event) ON support_activities
                    BEGIN SELECT RAISE(ABORT, 'the support log is append-only: correct an entry with a new one that supersedes it'); END
                    """).run()
            }
        }
    }

    func revert(on database: any Database) async throws {
        try await AuditTrailKept.refuseRevert(on: database)
        let sql = database as! any SQLDatabase
        if sql.engine == .postgres {
            try await sql.raw("""
                CREATE OR REPLACE FUNCTION audit_entries_append_only() RETURNS trigger AS $$
                BEGIN RAISE EXCEPTION 'audit entries are append-only'; END; $$ LANGUAGE plpgsql
                """).run()
            try await sql.raw("DROP TRIGGER audit_entries_no_truncate ON audit_entries").run()
            try await sql.raw("DROP TRIGGER support_activities_no_truncate ON support_activities").run()
            try await sql.raw("DROP TRIGGER support_activities_append_only ON support_activities").run()
            try await sql.raw("DROP FUNCTION support_activities_append_only()").run()
        } else {
            try await sql.raw("DROP TRIGGER support_activities_no_update").run()
            try await sql.raw("DROP TRIGGER support_activities_no_delete").run()
            try await sql.raw("DROP TRIGGER audit_entries_no_update").run()
            try await sql.raw("""
                CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
                BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END
                """).run()
        }
        try await sql.raw("DROP INDEX audit_entries_seq").run()
        try await Setting.find(AuditChain.headKey, on: database)?.delete(on: database)
        for field in ["hash", "prev_hash", "seq"] { try await database.schema(AuditEntry.schema).deleteField(.string(field)).update() }
    }
}
