import Fluent
import Foundation
import SQLKit
import Vapor

/// `lantoa grant-app-role ROLE`: on PostgreSQL, run by the database's owner after `lantoa migrate`, gives the role the
/// server runs as what it needs and nothing more: reading and writing rows, but no DDL (so no DROP, ALTER or
/// DISABLE TRIGGER, which only an owner can do) and no TRUNCATE. The audit trail's and the support log's triggers then
/// hold against the app itself. Run it again after every upgrade's `lantoa migrate` (new tables). docs/operations.md.
struct GrantAppRoleCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "role", help: "the PostgreSQL role the server connects as (it must exist and must not own the database)")
        var role: String
    }

    var help: String { "PostgreSQL: grants the server's role row access only (no DDL, no TRUNCATE), run as the owner after migrate." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        guard case .postgres = app.lantoaConfig.storage else {
            context.console.error("SQLite has no roles: protect the database file instead (docs/operations.md).")
            throw CommandFailed()
        }
        do {
            try await DatabaseRoles.grantApp(signature.role, on: app.db as! any SQLDatabase)
            context.console.success("\(signature.role) may now read and write rows, without DDL or TRUNCATE. Start the server with its URL.")
        } catch let refusal as DatabaseRoles.Refusal {
            context.console.error(refusal.description)
            throw CommandFailed()
        }
    }
}

enum DatabaseRoles {
    enum Refusal: Error, CustomStringConvertible {
        case badName(String)
        case unknown(String)
        case owner(String)

        var description: String {
            switch self {
            case let .badName(name): "\(name) is not a plain role name (lower-case letters, digits and _, at most 63)."
            case let .unknown(name): "No role \(name) exists: create it first (CREATE ROLE \(name) LOGIN PASSWORD '…')."
            case let .owner(name): "\(name) owns the database or its tables: the server's role must be another one, without DDL."
            }
        }
    }

    static func grantApp(_ role: String, on sql: any SQLDatabase) async throws {
        guard let first = role.first, first.isLetter || first == "_", role.count <= 63,
              role.allSatisfy({ ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "_" }) else { throw Refusal.badName(role) }
        struct Row: Decodable { var n: Int }
        let exists = try await sql.raw("SELECT count(*)::int AS n FROM pg_roles WHERE rolname = \(bind: role)").first(decoding: Row.self)
        guard (exists?.n ?? 0) > 0 else { throw Refusal.unknown(role) }
        let owns = try await sql.raw("""
            SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public' AND tableowner = \(bind: role)
            """).first(decoding: Row.self)
        let ownsDatabase = try await sql.raw("""
            SELECT count(*)::int AS n FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba
            WHERE d.datname = current_database() AND r.rolname = \(bind: role)
            """).first(decoding: Row.self)
        guard (owns?.n ?? 0) == 0, (ownsDatabase?.n ?? 0) == 0 else { throw Refusal.owner(role) }
        // The name is checked above to be a plain identifier, so quoting it is enough.
        let quoted = "\"\(role)\""
        for statement in [
            "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
            "REVOKE ALL ON ALL TABLES IN SCHEMA public FROM \(quoted)",
            "GRANT USAGE ON SCHEMA public TO \(quoted)",
            "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO \(quoted)",
            "GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO \(quoted)",
        ] {
            try await sql.raw(SQLQueryString(statement)).run()
        }
    }
}
