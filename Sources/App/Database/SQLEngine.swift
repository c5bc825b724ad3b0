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
