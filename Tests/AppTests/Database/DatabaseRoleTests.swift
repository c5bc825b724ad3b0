import Fluent
import Foundation
import LanToaCore
import SQLKit
import Testing
import Vapor
@testable import App

@Suite("The audit trail survives the app's own database account and a careless revert")
struct DatabaseRoleTests {
    @Test("On PostgreSQL the server runs as a role without DDL or TRUNCATE: it serves and seals, and cannot wipe the trail",
          .enabled(if: Engine.available.contains(.postgres), "needs LANTOA_TEST_POSTGRES_URL"))
    func appRole() async throws {
        try await TestApp.run(.postgres) { t in
            guard case let .postgres(ownerURL) = t.app.lantoaConfig.storage else { throw TestFailure("not PostgreSQL") }
            let owner = t.app.db as! any SQLDatabase
            let role = "lantoa_app_\(ProcessInfo.processInfo.processIdentifier)_\(Int.random(in: 1000...9999))"
            try await TestDatabases.admin { sql in try await sql.raw("CREATE ROLE \(unsafeRaw: role) LOGIN").run() }
            // The owner itself, an unknown role and a name that is no plain identifier are refused.
            await #expect(throws: DatabaseRoles.Refusal.self) { try await DatabaseRoles.grantApp("postgres", on: owner) }
            await #expect(throws: DatabaseRoles.Refusal.self) { try await DatabaseRoles.grantApp("nobody_here", on: owner) }
            await #expect(throws: DatabaseRoles.Refusal.self) { try await DatabaseRoles.grantApp("x\"; DROP TABLE units; --", on: owner) }
            try await DatabaseRoles.grantApp(role, on: owner)

            var components = URLComponents(string: ownerURL)!
            components.user = role
            let app = try await Application.make(.testing)
            do {
                try await configure(app, config: AppConfig(storage: .postgres(url: components.string!), today: testToday))
                app.logger.logLevel = .warning
                // What `serve` does first: nothing is pending, so nothing needs DDL.
                try await Bootstrap.prepareForServing(app)
                let accounts = app.accounts
                _ = try await accounts.create(CreateUserRequest(login: "xa-role", password: "mat-khau-123", displayName: nil, role: "commune",
                                                                scope: Fixtures.communeA), by: .system)
                #expect(try await AuditChain.seal(on: app.db) > 0)
                guard case .intact = try await AuditChain.verify(on: app.db) else { throw TestFailure("chain broken") }

                let sql = app.db as! any SQLDatabase
                let entries = try await AuditEntry.query(on: app.db).count()
                for statement in [
                    "TRUNCATE audit_entries", "TRUNCATE support_activities", "DROP TABLE audit_entries",
                    "ALTER TABLE audit_entries DISABLE TRIGGER ALL", "CREATE TABLE shadow (a int)",
                    "UPDATE audit_entries SET summary = 'x'", "DELETE FROM audit_entries",
                ] {
                    await #expect(throws: (any Error).self, "\(statement)") { try await sql.raw(SQLQueryString(statement)).run() }
                }
                #expect(try await AuditEntry.query(on: app.db).count() == entries)
            } catch {
                try? await app.asyncShutdown()
                throw error
            }
            try await app.asyncShutdown()
            try await owner.raw("DROP OWNED BY \(unsafeRaw: role)").run()
            try await TestDatabases.admin { sql in try await sql.raw("DROP ROLE \(unsafeRaw: role)").run() }
        }
    }

    @Test("lantoa migrate --revert stops before the audit trail while it holds entries", arguments: Engine.available)
    func revertKeepsTrail(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            _ = try await t.account("xa", role: .commune, scope: Fixtures.communeA)
            let entries = try await AuditEntry.query(on: t.app.db).count()
            #expect(entries > 0)
            await #expect(throws: AuditTrailKept.self) { try await t.app.autoRevert() }
            #expect(try await AuditEntry.query(on: t.app.db).count() == entries)
            // The migrations after the trail's protection were reverted; the protection and the chain were not.
            #expect(try await AuditChain.verify(on: t.app.db) == .intact(entries: Int64(entries)))
        }
    }
}
