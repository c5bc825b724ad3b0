import FluentKit
import Foundation
import LanToaCore
import SQLKit

/// How a rollup row holds its figures: one row per unit and period, its figure keys and values in one JSON object
/// (`jsonb` on PostgreSQL, SQLite's binary JSONB in a `BLOB`). A dashboard reads a few rows per unit instead of one
/// per unit and figure key, and picks the keys it needs out of each row in SQL.
///
/// Keys whose value comes to zero are left out of the object, so a row holds only what happened in its period.
enum RollupRows {
    /// The JSON object of `figures`, keys in order.
    static func json(_ figures: [(key: String, value: Int64)]) -> String {
        var out = "{"
        for (i, figure) in figures.enumerated() {
            if i > 0 { out += "," }
            appendJSONString(figure.key, to: &out)
            out += ":" + String(figure.value)
        }
        return out + "}"
    }

    static func appendJSONString(_ text: String, to out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }

    /// The figures value of a row to insert, from its JSON text.
    static func value(_ json: String, _ sql: any SQLDatabase) -> SQLQueryString {
        sql.engine == .postgres ? "CAST(\(bind: json) AS jsonb)" : "jsonb(\(bind: json))"
    }

    /// The value of `key` in the row's figures, as an integer (NULL where the row does not hold the key).
    static func extract(_ key: String, _ sql: any SQLDatabase, table: String? = nil) -> SQLQueryString {
        let column = table.map { "\($0).figures" } ?? "figures"
        if sql.engine == .postgres { return "CAST(\(unsafeRaw: column) ->> \(bind: key) AS BIGINT)" }
        var path = "$."
        appendJSONString(key, to: &path)
        return "(\(unsafeRaw: column) ->> \(bind: path))"
    }

    /// Adds rows of figures (JSON objects, `json`) to the stored ones, key by key, creating the rows that do not exist,
    /// 200 rows a statement, in the order given (the primary key's, so that concurrent writers wait instead of
    /// deadlocking).
    static func add(_ rows: [(unit: UUID, period: String, figures: String)], on sql: any SQLDatabase) async throws {
        for chunk in rows.chunked(200) {
            var insert = SQLQueryString("INSERT INTO \(unsafeRaw: Rollups.schema) (unit_id, period, figures) VALUES ")
            for (i, row) in chunk.enumerated() {
                if i > 0 { insert += ", " }
                insert += "(\(bind: row.unit), \(bind: row.period), " + value(row.figures, sql) + ")"
            }
            insert += " ON CONFLICT (unit_id, period) DO UPDATE SET figures = " + merged(sql)
            try await sql.raw(insert).run()
        }
    }

    /// Adds many rows at once, as `add` does: they are copied into a temporary table through the bulk path (`COPY` on
    /// PostgreSQL) and added to the stored rows by one upsert in the primary key's order. For the rebuild's carried
    /// rows (millions, most of them new), where upserts of 200 bound rows a statement were most of PostgreSQL's time
    /// in writing (Benchmarks/README.md, "Rollup rebuild in bounded memory"). The rows' (unit, period) are distinct.
    /// Inside the caller's transaction, on its one connection.
    static func addInBulk(_ rows: [[BulkValue]], on db: any Database) async throws {
        guard !rows.isEmpty else { return }
        let sql = db as! any SQLDatabase
        let staging = "rollup_additions"
        try await sql.emptyTemporaryTable(staging, postgres: "unit_id UUID NOT NULL, period TEXT NOT NULL, figures JSONB NOT NULL",
                                          sqlite: "unit_id TEXT NOT NULL, period TEXT NOT NULL, figures BLOB NOT NULL")
        try await BulkWriter(db: db).write(staging, columns: ["unit_id", "period", "figures"], rows: rows)
        // `WHERE true`: SQLite reads an upsert's ON CONFLICT after a SELECT only past a WHERE clause.
        try await sql.raw("""
            INSERT INTO \(unsafeRaw: Rollups.schema) (unit_id, period, figures)
            SELECT unit_id, period, figures FROM \(unsafeRaw: staging) WHERE true ORDER BY unit_id, period
            ON CONFLICT (unit_id, period) DO UPDATE SET figures = \(merged(sql))
            """).run()
    }

    /// What an upsert sets a row's figures to when the row exists: the stored figures plus the new ones, key by key,
    /// without the keys that come to zero. The database does the sum, in the same statement, so concurrent writers
    /// of one row add up instead of overwriting each other.
    static func merged(_ sql: any SQLDatabase) -> SQLQueryString {
        let table = Rollups.schema
        if sql.engine == .postgres {
            return """
                (SELECT COALESCE(jsonb_object_agg(key, total), '{}'::jsonb) FROM (SELECT key, SUM(CAST(value AS BIGINT)) AS total FROM
                (SELECT key, value FROM jsonb_each_text(\(unsafeRaw: table).figures) UNION ALL SELECT key, value FROM jsonb_each_text(excluded.figures)) AS both_rows
                GROUP BY key HAVING SUM(CAST(value AS BIGINT)) <> 0) AS sums)
                """
        }
        return """
            (SELECT COALESCE(jsonb_group_object(key, total), jsonb('{}')) FROM (SELECT key, SUM(value) AS total FROM
            (SELECT key, value FROM json_each(\(unsafeRaw: table).figures) UNION ALL SELECT key, value FROM json_each(excluded.figures))
            GROUP BY key HAVING SUM(value) <> 0))
            """
    }

    /// The rollups as one row per unit, figure key and period (`unit_id`, `key`, `period`, `value`), for what reads
    /// them key by key: a former commune corrected, the tests, the benchmark's choice of the busiest units.
    static func cells(_ sql: any SQLDatabase) -> SQLQueryString {
        let table = Rollups.schema
        if sql.engine == .postgres {
            return """
                (SELECT r.unit_id, j.key, r.period, CAST(j.value AS BIGINT) AS value FROM \(unsafeRaw: table) r, jsonb_each_text(r.figures) j)
                """
        }
        return "(SELECT r.unit_id, j.key, r.period, j.value AS value FROM \(unsafeRaw: table) r, json_each(r.figures) j)"
    }
}
