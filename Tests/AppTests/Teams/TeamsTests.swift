import Foundation
import SQLKit
import Testing
@testable import App

@Suite("Teams, members and composition findings")
struct TeamsTests {
    @Test("A team of four shows the minimum-size finding; completing it clears every finding", arguments: Engine.available)
    func compositionFindings(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let token = try await t.account("xa", role: .commune, scope: Fixtures.communeA)
            let hamlet = try await t.hamlet("Tổ dân phố 1", in: Fixtures.communeA, token: token)
            let team = try await t.team(for: hamlet, token: token)
            try await t.member(team, name: "Trần Văn An", phone: "0912 345 001", role: "leader", token: token)
            try await t.member(team, name: "Lê Thị Bình", phone: "+84912345002", role: "deputy", token: token)
            try await t.member(team, name: "Phạm Văn Cường", phone: "0912.345.003", token: token)
            try await t.member(team, name: "Vũ Thị Dung", phone: "0912-345-004", token: token)
            var shown = try await t.send(.GET, "/api/v1/teams/\(team)", token: token).decode(TeamResponse.self)
            #expect(shown.members?.count == 4)
            #expect(shown.compliance.map(\.code).contains("too_few_members"))
            #expect(shown.compliance.map(\.code).contains("leader_not_hamlet_head"))
            #expect(shown.members?.first { $0.role == .deputy }?.phone == "0912345002")
            let nonCompliant = try await t.send(.GET, "/api/v1/teams?unit=\(Fixtures.communeA)&compliant=false", token: token)
            #expect(try nonCompliant.json()["total"] as? Int == 1)

            // The leader leaves; the hamlet head takes over, and a fifth member joins.
            let leader = shown.members!.first { $0.role == .leader }!
            let ended = try await t.send(.POST, "/api/v1/memberships/\(leader.membershipId)/end", token: token,
                                         json: ["reason": "Chuyển công tác"])
            #expect(ended.status == .ok)
            try await t.member(team, name: "Hoàng Văn Em", phone: "0912345005", role: "leader", affiliations: ["hamlet_head"], token: token)
            try await t.member(team, name: "Đỗ Thị Giang", phone: "0912345006", affiliations: ["youth_union"], token: token)
            shown = try await t.send(.GET, "/api/v1/teams/\(team)", token: token).decode(TeamResponse.self)
            #expect(shown.compliance.isEmpty)
            #expect(shown.compliant)
            #expect(shown.members?.count == 5)
            #expect(shown.history?.contains { $0.kind == "left" && $0.text.contains("Trần Văn An") } == true)
            let compliant = try await t.send(.GET, "/api/v1/teams?unit=\(Fixtures.communeA)&compliant=true", token: token)
            #expect(try compliant.json()["total"] as? Int == 1)
        }
    }

    @Test("A malformed phone gets 422 problem+json naming the field, and nothing is written", arguments: Engine.available)
    func malformedPhoneIsRefused(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let token = try await t.account("xa", role: .commune, scope: Fixtures.communeA)
            let team = try await t.team(for: Fixtures.communeA, token: token)
            let reply = try await t.member(team, name: "Nguyễn Văn Phúc", phone: "0123 45", token: token)
            #expect(reply.status == .unprocessableEntity)
            #expect(reply.headers.first(name: "Content-Type")?.hasPrefix("application/problem+json") == true)
            let errors = try reply.json()["errors"] as? [[String: Any]] ?? []
            #expect(errors.map { $0["field"] as? String } == ["phone"])
            let shown = try await t.send(.GET, "/api/v1/teams/\(team)", token: token).decode(TeamResponse.self)
            #expect(shown.members?.isEmpty == true)
            // A wrong type names the field too.
            let wrongType = try await t.send(.POST, "/api/v1/teams/\(team)/members", token: token,
                                             body: Data(#"{"fullName":"A","phone":"0912345678","gender":"male","birthYear":"nineteen","role":"member"}"#.utf8),
                                             contentType: "application/json")
            #expect(wrongType.status == .unprocessableEntity)
            #expect(wrongType.text.contains("birthYear"))
        }
    }

    @Test("A person serves in one team at a time; one active team per hamlet", arguments: Engine.available)
    func oneTeamAtATime(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let token = try await t.account("xa", role: .commune, scope: Fixtures.communeA)
            let h1 = try await t.hamlet("Tổ dân phố 1", in: Fixtures.communeA, token: token)
            let h2 = try await t.hamlet("Tổ dân phố 2", in: Fixtures.communeA, token: token)
            let team1 = try await t.team(for: h1, token: token)
            let team2 = try await t.team(for: h2, token: token)
            #expect(try await t.member(team1, name: "Trần Văn An", phone: "0912345001", token: token).status == .created)
            let again = try await t.member(team2, name: "Trần Văn An", phone: "0912345001", token: token)
            #expect(again.status == .conflict)
            #expect(again.text.contains("\"field\":\"phone\""))
            let second = try await t.send(.POST, "/api/v1/teams", token: token, json: [
                "unit": h1, "decisionNumber": "1/QĐ", "decisionDate": "2025-09-01", "decisionSigner": "Lê Văn B",
            ])
            #expect(second.status == .conflict)
        }
    }

    @Test("Consolidation and dissolution are recorded in the history and the audit trail", arguments: Engine.available)
    func consolidationAndAudit(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let token = try await t.account("xa", role: .commune, scope: Fixtures.communeA)
            let team = try await t.team(for: Fixtures.communeA, token: token)
            try await t.member(team, name: "Trần Văn An", phone: "0912345001", role: "leader", token: token)
            let consolidated = try await t.send(.POST, "/api/v1/teams/\(team)/consolidations", token: token, json: [
                "decisionNumber": "99/QĐ-UBND", "decisionDate": "2026-10-01", "decisionSigner": "Phạm Thị Hoa", "note": "Bổ sung thành viên",
            ])
            #expect(consolidated.status == .created)
            let shown = try consolidated.decode(TeamResponse.self)
            #expect(shown.decision.number == "99/QĐ-UBND")
            #expect(shown.history?.map(\.kind).contains("consolidated") == true)
            let dissolved = try await t.send(.PATCH, "/api/v1/teams/\(team)", token: token, json: ["status": "dissolved", "date": "2026-11-20"])
            #expect(try dissolved.decode(TeamResponse.self).status == .dissolved)
            #expect(try dissolved.decode(TeamResponse.self).members?.isEmpty == true)
            let audit = try await t.send(.GET, "/api/v1/audit?entity=team&entityId=\(team)", token: token)
            let entries = try audit.json()["items"] as? [[String: Any]] ?? []
            #expect(entries.count == 3)
            #expect(entries.allSatisfy { $0["actor"] as? String == "xa" })
            #expect(entries.contains { ($0["before"] as? String ?? "").contains("12/QĐ-UBND") && ($0["after"] as? String ?? "").contains("99/QĐ-UBND") })
        }
    }

    @Test("The audit trail refuses updates and deletes in the database itself", arguments: Engine.available)
    func auditIsAppendOnly(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let token = try await t.account("xa", role: .commune, scope: Fixtures.communeA)
            _ = try await t.hamlet("Thôn Mới", in: Fixtures.communeA, token: token)
            let sql = t.app.db as! any SQLDatabase
            await #expect(throws: (any Error).self) {
                try await sql.raw("UPDATE audit_entries SET summary = 'changed'").run()
            }
            await #expect(throws: (any Error).self) {
                try await sql.raw("DELETE FROM audit_entries").run()
            }
            let count = try await AuditEntry.query(on: t.app.db).count()
            #expect(count >= 2)
        }
    }
}
