import Fluent
import Foundation
import SQLKit
import Vapor

/// `lantoa backup FILE` and `lantoa restore FILE`: on SQLite a consistent copy taken while the server runs, restored
/// into an empty database; on PostgreSQL the commands say how to use `pg_dump` and `pg_restore`, and check that the
/// installed `pg_dump` can read the server.
struct BackupCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "file", help: "where to write the backup (must not exist)")
        var file: String
    }

    var help: String { "Backs up the database: SQLite online (VACUUM INTO), PostgreSQL through pg_dump (explained and checked)." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        switch app.lantoaConfig.storage {
        case .sqlite:
            guard !FileManager.default.fileExists(atPath: signature.file) else {
                context.console.error("\(signature.file) exists already: choose a new file, so that no backup is overwritten.")
                throw CommandFailed()
            }
            let started = Date()
            try await SQLiteBackup.write(to: signature.file, from: app.db as! any SQLDatabase)
            let size = (try? FileManager.default.attributesOfItem(atPath: signature.file)[.size] as? Int) ?? 0
            context.console.success("Backed up to \(signature.file) (\(size / 1_048_576) MiB) in \(String(format: "%.1f", Date().timeIntervalSince(started))) s.")
        case let .postgres(url):
            try await PostgresTools.explain(.dump, file: signature.file, url: url, db: app.db as! any SQLDatabase, console: context.console)
        }
    }
}

struct RestoreCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "file", help: "a backup written by `lantoa backup`")
        var file: String
    }

    var help: String { "Restores a backup into an empty database (SQLite), or explains pg_restore (PostgreSQL)." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        switch app.lantoaConfig.storage {
        case .sqlite:
            let started = Date()
            do {
                let tables = try await SQLiteBackup.restore(from: signature.file, into: app.db)
                context.console.success("Restored \(tables) tables from \(signature.file) in \(String(format: "%.1f", Date().timeIntervalSince(started))) s. "
                                        + "Check the audit trail with `lantoa audit verify`.")
            } catch let error as SQLiteBackup.Refusal {
                context.console.error(error.description)
                throw CommandFailed()
            }
        case let .postgres(url):
            try await PostgresTools.explain(.restore, file: signature.file, url: url, db: app.db as! any SQLDatabase, console: context.console)
        }
    }
}

/// SQLite backups: `VACUUM INTO` writes a consistent, compact copy while writers go on; a restore rebuilds the schema
/// and copies every row into an empty database in one transaction.
enum SQLiteBackup {
    enum Refusal: Error, CustomStringConvertible, Equatable {
        case missing(String)
        case notABackup(String)
        case notEmpty(tables: Int)

        var description: String {
            switch self {
            case let .missing(file): "\(file) does not exist."
            case let .notABackup(file): "\(file) is not a Lan Tỏa backup (no migrations table, or it fails SQLite's integrity check)."
            case let .notEmpty(n): "The database to restore into holds \(n) tables already: restore only into an empty database (a new DATABASE_URL file)."
            }
        }
    }

    static func write(to file: String, from sql: any SQLDatabase) async throws {
        try await sql.raw("VACUUM INTO \(bind: file)").run()
    }

    /// Restores `file` into the (empty) database; returns how many tables were copied. Everything runs on one
    /// connection: an attached database and a transaction belong to the connection.
    static func restore(from file: String, into db: any Database) async throws -> Int {
        guard FileManager.default.fileExists(atPath: file) else { throw Refusal.missing(file) }
        return try await db.withConnection { connection in
            try await restore(from: file, on: connection as! any SQLDatabase)
        }
    }

    private static func restore(from file: String, on sql: any SQLDatabase) async throws -> Int {
        let existing = try await sql.raw("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            .first()?.decode(column: "n", as: Int.self) ?? 0
        guard existing == 0 else { throw Refusal.notEmpty(tables: existing) }
        try await sql.raw("ATTACH DATABASE \(bind: file) AS backup").run()
        do {
            let check = try await sql.raw("PRAGMA backup.integrity_check").first()?.decode(column: "integrity_check", as: String.self)
            let hasMigrations = try await sql.raw("SELECT COUNT(*) AS n FROM backup.sqlite_master WHERE type = 'table' AND name = '_fluent_migrations'")
                .first()?.decode(column: "n", as: Int.self) ?? 0
            guard check == "ok", hasMigrations == 1 else { throw Refusal.notABackup(file) }
            struct Object: Decodable {
                var type: String
                var name: String
                var sql: String?
            }
            let objects = try await sql.raw("""
                SELECT type, name, sql FROM backup.sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY rowid
                """).all(decoding: Object.self)
            let tables = objects.filter { $0.type == "table" }
            // Tables first, rows next, then indexes and triggers (so that the append-only triggers do not see the copy).
            try await sql.raw("BEGIN").run()
            do {
                try await sql.raw("PRAGMA defer_foreign_keys = ON").run()
                for table in tables { try await sql.raw(SQLQueryString(table.sql!)).run() }
                for table in tables {
                    try await sql.raw("INSERT INTO main.\(ident: table.name) SELECT * FROM backup.\(ident: table.name)").run()
                }
                for object in objects where object.type == "index" || object.type == "trigger" || object.type == "view" {
                    try await sql.raw(SQLQueryString(object.sql!)).run()
                }
                try await sql.raw("COMMIT").run()
            } catch {
                try? await sql.raw("ROLLBACK").run()
                throw error
            }
            try await sql.raw("DETACH DATABASE backup").run()
            return tables.count
        } catch {
            try? await sql.raw("DETACH DATABASE backup").run()
            throw error
        }
    }
}

/// What PostgreSQL operators run instead, checked against the server.
enum PostgresTools {
    enum Direction {
        case dump
        case restore
    }

    static func explain(_ direction: Direction, file: String, url: String, db: any SQLDatabase, console: any Console) async throws {
        let server = try await db.raw("SHOW server_version_num").first()?.decode(column: "server_version_num", as: String.self) ?? "0"
        let serverMajor = (Int(server) ?? 0) / 10_000
        let tool = direction == .dump ? "pg_dump" : "pg_restore"
        let installed = version(of: tool)
        switch direction {
        case .dump:
            console.info("PostgreSQL backups are taken with pg_dump, consistent while the server runs:")
            console.info("  pg_dump --format=custom --no-owner --file '\(file)' \"$DATABASE_URL\"")
        case .restore:
            let tables = try await db.raw("SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = current_schema()")
                .first()?.decode(column: "n", as: Int.self) ?? 0
            console.info("PostgreSQL backups are restored with pg_restore into an empty database, then checked:")
            console.info("  createdb lantoa_restored && pg_restore --no-owner --dbname \"postgres://…/lantoa_restored\" '\(file)'")
            console.info("  DATABASE_URL=postgres://…/lantoa_restored lantoa audit verify")
            if tables > 0 { console.warning("The database DATABASE_URL names holds \(tables) tables: restore into a new, empty one.") }
        }
        guard let installed else {
            console.error("\(tool) is not installed here: install the client of PostgreSQL \(serverMajor) or later (Debian: postgresql-client-\(serverMajor)).")
            throw CommandFailed()
        }
        guard installed >= serverMajor else {
            console.error("\(tool) \(installed) is older than the server (PostgreSQL \(serverMajor)) and cannot read it: install the client of PostgreSQL \(serverMajor) or later.")
            throw CommandFailed()
        }
        console.success("\(tool) \(installed) can work with this server (PostgreSQL \(serverMajor)).")
    }

    /// The major version of an installed PostgreSQL client tool, if there is one.
    static func version(of tool: String) -> Int? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool, "--version"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = Pipe()
        guard (try? process.run()) != nil else { return nil }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        // "pg_dump (PostgreSQL) 15.18 (Debian …)"
        return text.split(separator: " ").compactMap { word in word.split(separator: ".").first.flatMap { Int($0) } }.first
    }
}
