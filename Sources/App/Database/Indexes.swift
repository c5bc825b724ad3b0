import Fluent
import SQLKit

/// Secondary indexes, created the same way on SQLite and PostgreSQL, and the one column type that differs.
enum Indexes {
    /// Unit paths compare byte by byte (`COLLATE "C"` on PostgreSQL; SQLite's default is binary), so that
    /// subtree queries written as ranges (`QueryBuilder.under`) are exact and use the index under any server locale.
    static func pathType(_ database: any Database) -> DatabaseSchema.DataType {
        guard let sql = database as? any SQLDatabase, sql.engine == .postgres else { return .string }
        return .custom(SQLRaw(#"TEXT COLLATE "C""#))
    }

    /// Whether a table has a column (the catalogue differs between the engines).
    static func hasColumn(_ column: String, in table: String, on sql: any SQLDatabase) async throws -> Bool {
        if sql.engine == .postgres {
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
