import Fluent
import FluentPostgresDriver
import Foundation
import LanToaCore
import SQLKit

/// A value of a row written by `BulkWriter`.
enum BulkValue: Sendable {
    case text(String)
    case int(Int64)
    case bool(Bool)
    case uuid(UUID)
    case date(Date)
    /// A JSON text, stored as `jsonb` on PostgreSQL and as SQLite's JSONB.
    case json(String)
    case null

    init(_ value: String) { self = .text(value) }
    init(_ value: Int) { self = .int(Int64(value)) }
    init(_ value: Int64) { self = .int(value) }
    init(_ value: Bool) { self = .bool(value) }
    init(_ value: UUID) { self = .uuid(value) }
    init(_ value: Date) { self = .date(value) }
    init(_ value: UUID?) { self = value.map(BulkValue.uuid) ?? .null }
    init(_ value: Date?) { self = value.map(BulkValue.date) ?? .null }

    /// As SQLite stores it through SQLKit: the same encoding as the rows written one by one.
    var bind: any SQLExpression {
        switch self {
        case let .text(v): SQLBind(v)
        case let .int(v): SQLBind(v)
        case let .bool(v): SQLBind(v)
        case let .uuid(v): SQLBind(v)
        case let .date(v): SQLBind(v)
        case let .json(v): SQLFunction("jsonb", args: SQLBind(v))
        case .null: SQLLiteral.null
        }
    }

    /// Appends the value as an SQLite literal, as SQLiteNIO stores it bound (UUIDs as upper-case text, dates as seconds
    /// since 1970, booleans as 0 or 1); false for a text that must be bound instead (one holding a NUL character).
    func appendSQLiteLiteral(to out: inout String) -> Bool {
        switch self {
        case let .text(v):
            if v.utf8.contains(0) { return false }
            out += "'" + (v.utf8.contains(0x27) ? v.replacingOccurrences(of: "'", with: "''") : v) + "'"
        case let .int(v): out += String(v)
        case let .bool(v): out += v ? "1" : "0"
        case let .uuid(v): out += "'" + UUIDText.upper(v) + "'"
        case let .date(v): out += String(v.timeIntervalSince1970)
        case let .json(v):
            if v.utf8.contains(0) { return false }
            out += "jsonb('" + (v.utf8.contains(0x27) ? v.replacingOccurrences(of: "'", with: "''") : v) + "')"
        case .null: out += "NULL"
        }
        return true
    }

    /// `2026-07-01 02:00:00.000000+00`: an instant as PostgreSQL reads a `timestamptz`.
    static func utcText(_ date: Date) -> String {
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        var seconds = micros / 1_000_000, fraction = micros % 1_000_000
        if fraction < 0 { fraction += 1_000_000; seconds -= 1 }
        var days = seconds / 86_400, time = seconds % 86_400
        if time < 0 { time += 86_400; days -= 1 }
        // Days since 1970-01-01 to a civil date (proleptic Gregorian).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ v: Int64, _ width: Int) -> String {
            let s = String(v)
            return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2)) \(pad(time / 3600, 2)):\(pad(time / 60 % 60, 2)):\(pad(time % 60, 2))."
            + pad(fraction, 6) + "+00"
    }

    /// A field of PostgreSQL's `COPY` text format: `\N` for null, backslash, tab and line breaks escaped.
    func appendCopyText(to out: inout String) {
        switch self {
        case let .text(v), let .json(v):
            if v.utf8.contains(where: { $0 == 0x5C || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) {
                for c in v.unicodeScalars {
                    switch c {
                    case "\\": out += "\\\\"
                    case "\t": out += "\\t"
                    case "\n": out += "\\n"
                    case "\r": out += "\\r"
                    default: out.unicodeScalars.append(c)
                    }
                }
            } else {
                out += v
            }
        case let .int(v): out += String(v)
        case let .bool(v): out += v ? "t" : "f"
        case let .uuid(v): out += UUIDText.upper(v)
        case let .date(v): out += Self.utcText(v)
        case .null: out += "\\N"
        }
    }
}

/// Writes many rows into one table fast, for loads that own the table meanwhile (synthetic data, a rollup rebuild
/// into the emptied table): `COPY … FROM STDIN` on PostgreSQL, and on SQLite multi-row `INSERT`s as large as its
/// limit of bound values allows. Rows are written in the order given; nothing is checked against existing rows.
struct BulkWriter {
    let db: any Database

    /// Rows of one `COPY` (PostgreSQL) before it is sent, so that memory stays bounded.
    static let copyRows = 50_000

    func write(_ table: String, columns: [String], rows: [[BulkValue]]) async throws {
        guard !rows.isEmpty else { return }
        let sql = db as! any SQLDatabase
        if sql.engine == .postgres {
            for chunk in rows.chunked(Self.copyRows) { try await copy(table, columns: columns, rows: chunk) }
            return
        }
        // Values are written as literals, stored exactly as the bound values of the rows written one by one: binding
        // each value through the driver cost more than SQLite's own work.
        let head = "INSERT INTO \"\(table)\" (" + columns.map { "\"\($0)\"" }.joined(separator: ", ") + ") VALUES "
        for chunk in rows.chunked(max(1, 32_000 / columns.count)) {
            var query = SQLQueryString("")
            var text = head
            for (r, row) in chunk.enumerated() {
                text += r == 0 ? "(" : ", ("
                for (i, value) in row.enumerated() {
                    if i > 0 { text += ", " }
                    if !value.appendSQLiteLiteral(to: &text) {
                        query.appendLiteral(text)
                        query.appendInterpolation(value.bind)
                        text = ""
                    }
                }
                text += ")"
            }
            query.appendLiteral(text)
            try await sql.raw(query).run()
        }
    }

    private func copy(_ table: String, columns: [String], rows: ArraySlice<[BulkValue]>) async throws {
        var text = ""
        text.reserveCapacity(rows.count * columns.count * 16)
        for row in rows {
            for (i, value) in row.enumerated() {
                if i > 0 { text += "\t" }
                value.appendCopyText(to: &text)
            }
            text += "\n"
        }
        let payload = text
        try await (db as! any PostgresDatabase).withConnection { connection in
            connection.eventLoop.makeFutureWithTask {
                try await connection.copyFrom(table: table, columns: columns, logger: connection.logger) { writer in
                    try await writer.write(ByteBuffer(string: payload))
                }
            }
        }.get()
    }
}

/// Secondary indexes set aside while a table is loaded in bulk and built again after it, which is several times
/// faster than keeping them up to date row by row. Primary keys and the indexes behind unique constraints stay.
struct DeferredIndexes {
    let db: any Database
    private(set) var definitions: [String] = []

    init(db: any Database) { self.db = db }

    /// Drops the secondary indexes of `tables`, remembering how to build them again.
    mutating func drop(on tables: [String]) async throws {
        let sql = db as! any SQLDatabase
        var found: [(name: String, definition: String)] = []
        if sql.engine == .postgres {
            for row in try await sql.raw("""
                SELECT i.relname AS name, pg_get_indexdef(x.indexrelid) AS def FROM pg_index x
                JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
                WHERE t.relname IN (\(binds: tables)) AND NOT x.indisprimary
                AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
                """).all() {
                found.append((try row.decode(column: "name", as: String.self), try row.decode(column: "def", as: String.self)))
            }
        } else {
            for row in try await sql.raw("""
                SELECT name, sql AS def FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (\(binds: tables))
                """).all() {
                found.append((try row.decode(column: "name", as: String.self), try row.decode(column: "def", as: String.self)))
            }
        }
        for index in found {
            try await sql.raw("DROP INDEX \(ident: index.name)").run()
            definitions.append(index.definition)
        }
    }

    /// Builds the dropped indexes again.
    func restore() async throws {
        for definition in definitions {
            try await (db as! any SQLDatabase).raw(SQLQueryString(SupportLogPartitions.plainIndex(definition))).run()
        }
    }
}
