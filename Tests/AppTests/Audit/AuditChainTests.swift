import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
@testable import App

@Suite("A tamper-evident audit trail and an append-only support log")
struct AuditChainTests {
    /// Runs SQL as a database owner would, around the append-only triggers.
    static func asOwner(_ t: TestApp, _ statement: String) async throws {
        let sql = t.app.db as! any SQLDatabase
        switch t.engine {
        case .sqlite:
            try await sql.raw("DROP TRIGGER IF EXISTS audit_entries_no_update").run()
            try await sql.raw("DROP TRIGGER IF EXISTS audit_entries_no_delete").run()
        case .postgres:
            try await sql.raw("ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only").run()
        }
        try await sql.raw(SQLQueryString(statement)).run()
    }

    static func id(_ t: TestApp, seq: Int64) async throws -> String {
        try #require(try await AuditEntry.query(on: t.app.db).filter(\.$seq == seq).first()?.id?.uuidString.lowercased())
    }

    @Test("Changing, removing or cutting off audit rows in the database makes `lantoa audit verify` name the first broken link",
          arguments: Engine.available)
    func verifyNamesTheBrokenLink(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let v = try await OutreachTests.village(t)
            for name in ["Thôn Một", "Thôn Hai", "Thôn Ba"] { _ = try await t.hamlet(name, in: Fixtures.communeA, token: v.commune) }
            let total = Int64(try await AuditEntry.query(on: t.app.db).count())
            #expect(total >= 8)
            #expect(try await AuditChain.verify(on: t.app.db) == .intact(entries: total))
            try await CommandTests().run(AuditCommand(), ["verify"], on: t.app)

            // One summary changed, as someone with the database's password could.
            let third = try #require(try await AuditEntry.query(on: t.app.db).filter(\.$seq == 3).first())
            try await Self.asOwner(t, "UPDATE audit_entries SET summary = 'đã sửa' WHERE seq = 3")
            #expect(try await AuditChain.verify(on: t.app.db) == .changed(seq: 3, id: third.id!.uuidString.lowercased()))
            await #expect(throws: CommandFailed.self) { try await CommandTests().run(AuditCommand(), ["verify"], on: t.app) }
            let original = third.summary.replacingOccurrences(of: "'", with: "''")
            try await Self.asOwner(t, "UPDATE audit_entries SET summary = '\(original)' WHERE seq = 3")
            #expect(try await AuditChain.verify(on: t.app.db) == .intact(entries: total))

            // The newest entry removed: the head remembers it.
            try await Self.asOwner(t, "DELETE FROM audit_entries WHERE seq = \(total)")
            #expect(try await AuditChain.verify(on: t.app.db) == .truncated(last: total - 1, head: total))
            // One in the middle removed: the next no longer follows.
            let fifth = try await Self.id(t, seq: 5)
            try await Self.asOwner(t, "DELETE FROM audit_entries WHERE seq = 4")
            #expect(try await AuditChain.verify(on: t.app.db) == .broken(seq: 5, id: fifth))
        }
    }

    @Test("The database refuses to update or delete the support log, on both engines", arguments: Engine.available)
    func supportLogIsAppendOnly(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let v = try await OutreachTests.village(t)
            let batch = OutreachTests.Batch(activities: [.init(id: UUID(), resident: v.residents[0], service: "vneid_level2", outcome: "done")])
            #expect(try await t.send(.POST, "/api/v1/sync", token: v.leader, json: batch).decode(SyncResponse.self).created == 1)
            let sql = t.app.db as! any SQLDatabase
            await #expect(throws: (any Error).self) { try await sql.raw("UPDATE support_activities SET outcome = 'refused'").run() }
            await #expect(throws: (any Error).self) { try await sql.raw("DELETE FROM support_activities").run() }
            if t.engine == .postgres {
                await #expect(throws: (any Error).self) { try await sql.raw("TRUNCATE support_activities CASCADE").run() }
                await #expect(throws: (any Error).self) { try await sql.raw("TRUNCATE audit_entries").run() }
            }
            let outcomes = try await SupportActivity.query(on: t.app.db).all().map(\.outcome)
            #expect(outcomes == [.done])
        }
    }
}
