import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
@testable import App

@Suite("Backups that restore")
struct BackupTests {
    static func tableCounts(_ db: any Database) async throws -> [String: Int] {
        let sql = db as! any SQLDatabase
        var counts: [String: Int] = [:]
        for row in try await sql.raw("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() {
            let name = try row.decode(column: "name", as: String.self)
            counts[name] = try await sql.raw("SELECT COUNT(*) AS n FROM \(ident: name)").first()?.decode(column: "n", as: Int.self)
        }
        return counts
    }

    @Test("lantoa backup on SQLite, restored into an empty database: every table's count, every figure and the audit chain identical")
    func sqliteRoundTrip() async throws {
        try await TestApp.run(.sqlite) { t in
            let v = try await OutreachTests.village(t)
            _ = try await t.team(for: v.hamlet, token: v.commune)
            let batch = OutreachTests.Batch(activities: [
                .init(id: UUID(), resident: v.residents[0], service: "vneid_level2", outcome: "done"),
                .init(id: UUID(), resident: v.residents[1], service: "ehealth_book", outcome: "guided", reason: "no_smartphone"),
            ])
            #expect(try await t.send(.POST, "/api/v1/sync", token: v.leader, json: batch).status == .ok)
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lantoa-backup-\(UUID())")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let file = folder.appendingPathComponent("backup.sqlite").path
            try await CommandTests().run(BackupCommand(), [file], on: t.app)
            await #expect(throws: CommandFailed.self) { try await CommandTests().run(BackupCommand(), [file], on: t.app) }

            let target = folder.appendingPathComponent("restored.sqlite").path
            let restored = try await Application.make(.testing)
            do {
                try await configure(restored, config: AppConfig(storage: .sqlite(path: target), today: testToday))
                try await CommandTests().run(RestoreCommand(), [file], on: restored)
                let original = try await Self.tableCounts(t.app.db)
                #expect(original.count > 20)
                #expect(try await Self.tableCounts(restored.db) == original)
                #expect(original["support_activities"] == 2 && original["residents"] == 5)
                #expect(try await DashboardTests.rollups(restored.db) == DashboardTests.rollups(t.app.db))
                let entries = Int64(original["audit_entries"] ?? 0)
                #expect(try await AuditChain.verify(on: restored.db) == .intact(entries: entries))
                // The restored database keeps its protection: the triggers came along.
                await #expect(throws: (any Error).self) {
                    try await (restored.db as! any SQLDatabase).raw("UPDATE support_activities SET outcome = 'refused'").run()
                }
                // Only into an empty database.
                await #expect(throws: CommandFailed.self) { try await CommandTests().run(RestoreCommand(), [file], on: restored) }
            } catch {
                try? await restored.asyncShutdown()
                throw error
            }
            try await restored.asyncShutdown()
        }
    }

    @Test("On PostgreSQL, lantoa backup explains pg_dump and checks that it can read the server",
          .enabled(if: Engine.available.contains(.postgres), "needs LANTOA_TEST_POSTGRES_URL"))
    func postgresExplains() async throws {
        try await TestApp.run(.postgres) { t in
            let version = try #require(PostgresTools.version(of: "pg_dump"))
            let server = try await (t.app.db as! any SQLDatabase).raw("SHOW server_version_num").first()?.decode(column: "server_version_num", as: String.self)
            #expect(version >= (Int(server ?? "") ?? 0) / 10_000)
            try await CommandTests().run(BackupCommand(), ["/tmp/lantoa-unused.dump"], on: t.app)
            #expect(!FileManager.default.fileExists(atPath: "/tmp/lantoa-unused.dump"))
        }
    }
}
