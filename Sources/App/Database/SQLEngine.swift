import FluentKit
import SQLKit

/// The SQL engine behind a connection: the one place that tells SQLite and PostgreSQL apart. Code that must write
/// different SQL for each (upserts, JSON, array binds, collations, triggers) switches on `sql.engine`.
enum SQLEngine: Sendable {
    case sqlite
    case postgres
}

extension SQLDatabase {
    var engine: SQLEngine { dialect.name == "postgresql" ? .postgres : .sqlite }
}

extension SQLDatabase {
    /// Takes SQLite's write lock for the caller's transaction now, with a write that changes nothing (a no-op on
    /// PostgreSQL). `writeTransaction` opens every writing transaction with it.
    func writeFirst() async throws {
        guard engine == .sqlite else { return }
        try await raw("UPDATE settings SET value = value WHERE 0 = 1").run()
    }
}

extension SQLDatabase {
    /// An empty temporary table for the caller's transaction, on its one connection, created on first use with the
    /// columns given for each engine. PostgreSQL drops it at commit; a SQLite connection keeps it, and it is emptied
    /// at the next use. On PostgreSQL it is emptied by TRUNCATE, not DELETE: a temporary table is never vacuumed, and
    /// would grow by every use.
    func emptyTemporaryTable(_ name: String, postgres: String, sqlite: String) async throws {
        if engine == .postgres {
            try await raw("CREATE TEMPORARY TABLE IF NOT EXISTS \(unsafeRaw: name) (\(unsafeRaw: postgres)) ON COMMIT DROP").run()
            try await raw("TRUNCATE \(unsafeRaw: name)").run()
        } else {
            try await raw("CREATE TEMPORARY TABLE IF NOT EXISTS \(unsafeRaw: name) (\(unsafeRaw: sqlite))").run()
            try await raw("DELETE FROM \(unsafeRaw: name)").run()
        }
    }
}

extension Database {
    /// A transaction that writes: every one goes through here (only PostgreSQL-only reads use `transaction`).
    ///
    /// On SQLite it takes the write lock with its first statement. A transaction that reads first and writes later is
    /// refused at once (busy, with no wait) when another connection took the write lock in between, since SQLite
    /// cannot let a reader become the writer then; a background job's write (the audit sealing, the outbox worker,
    /// the hourly warnings) at the wrong moment made a plain request answer 503. One that writes first waits for the
    /// lock instead, within the busy timeout (`configure`), and then reads what is committed. PostgreSQL's row locks
    /// and isolation need nothing of this.
    func writeTransaction<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        try await transaction { db in
            try await (db as! any SQLDatabase).writeFirst()
            return try await body(db)
        }
    }
}
