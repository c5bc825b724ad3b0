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
    /// Makes the caller's SQLite transaction a writer from its first statement, with a write that changes nothing.
    /// A transaction that reads first and writes later is refused (busy) when another writer committed in between,
    /// since SQLite cannot move its read snapshot forward; one that writes first waits for the lock instead. The audit
    /// sealing job writes every few seconds, so any transaction that reads before it writes needs this. PostgreSQL
    /// needs nothing.
    func writeFirst(_ table: String) async throws {
        guard engine == .sqlite else { return }
        try await raw("UPDATE \(ident: table) SET id = id WHERE 0 = 1").run()
    }
}
