import Fluent
import Foundation
import LanToaCore
import Testing
@testable import App

@Suite("A person recorded in another area is neither changed nor described")
struct MembersAcrossScopeTests {
    @Test("A leader adding a phone that serves in another province changes nothing there and learns nothing of the person",
          arguments: Engine.available)
    func leaderCannotTakeAnotherProvincesMember(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            // Lạng Sơn: a team with Hoàng Thị Lan.
            let b = try await t.account("xa-b", role: .commune, scope: Fixtures.communeB)
            let hamletB = try await t.hamlet("Thôn Khuổi Bó", in: Fixtures.communeB, token: b)
            let teamB = try await t.team(for: hamletB, token: b)
            #expect(try await t.member(teamB, name: "Hoàng Thị Lan", phone: "0987654321", role: "leader", token: b).status == .created)
            let before = try #require(try await Member.query(on: t.app.db).filter(\.$phone == "0987654321").first())
            let auditBefore = try await AuditEntry.query(on: t.app.db).count()

            // Hà Nội: a leader tries to add the same phone under another name.
            let a = try await t.account("xa-a", role: .commune, scope: Fixtures.communeA)
            let hamletA = try await t.hamlet("Tổ dân phố 1", in: Fixtures.communeA, token: a)
            let teamA = try await t.team(for: hamletA, token: a)
            let leader = try await t.account("to-truong-a", role: .leader, scope: hamletA)
            let reply = try await t.member(teamA, name: "Nguyễn Văn Giả", phone: "0987 654 321", token: leader)
            #expect(reply.status == .conflict)
            #expect((try reply.json()["errors"] as? [[String: Any]])?.first?["code"] as? String == "error.member_elsewhere")
            for secret in ["Hoàng Thị Lan", hamletB, "Khuổi Bó", teamB.lowercased()] { #expect(!reply.text.contains(secret), "\(secret)") }

            let after = try #require(try await Member.query(on: t.app.db).filter(\.$phone == "0987654321").first())
            #expect(after.fullName == before.fullName && after.unitPath == before.unitPath && after.birthYear == before.birthYear)
            #expect(try await Membership.query(on: t.app.db).filter(\.$memberID == before.id!).count() == 1)
            // Nothing of the Lạng Sơn person reaches Hà Nội's audit trail (the team founding of Hà Nội is all it got).
            let newEntries = try await AuditEntry.query(on: t.app.db).sort(\.$seq).all().dropFirst(auditBefore)
            for e in newEntries { #expect(!(e.summary + e.before + e.after).contains("Hoàng Thị Lan"), "\(e.entity) \(e.action)") }

            // The team import says the same, row by row.
            var rows = ImportTests.rows(count: 1)
            rows[1][6] = "0987654321"
            rows[1][0] = "Tổ dân phố 9"
            let imported = try await t.send(.POST, "/api/v1/units/\(Fixtures.communeA)/team-imports", token: a, body: ImportTests.csv(rows), contentType: "text/csv")
            #expect(imported.status == .unprocessableEntity)
            let message = (try imported.json()["rows"] as? [[String: Any]])?.first?["message"] as? String
            #expect(message == "Số điện thoại 0987654321 đã được ghi nhận ở địa bàn khác; việc chuyển sinh hoạt do cán bộ cấp trên của cả hai nơi thực hiện")
        }
    }
}

/// On PostgreSQL only: concurrent writers on SQLite wait for its write lock on the shared blocking-I/O threads, and
/// with two cores a burst of them can hold every such thread while the lock's holder waits for one (docs/security.md).
@Suite("Races end in one record and a named answer", .enabled(if: Engine.available.contains(.postgres), "needs LANTOA_TEST_POSTGRES_URL"))
struct RaceTests {
    @Test("Eight foundings of one hamlet at once make one team; the others are refused by name or told to come back", arguments: [Engine.postgres])
    func concurrentFoundings(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let commune = try await t.account("xa", role: .commune, scope: Fixtures.communeA)
            let hamlet = try await t.hamlet("Thôn Đua", in: Fixtures.communeA, token: commune)
            let statuses = try await withThrowingTaskGroup(of: UInt.self) { group in
                for i in 0..<8 {
                    group.addTask {
                        try await t.send(.POST, "/api/v1/teams", token: commune, json: [
                            "unit": hamlet, "decisionNumber": "\(i)/QĐ-UBND", "decisionDate": "2025-08-15", "decisionSigner": "Lê Văn Ký",
                        ]).status.code
                    }
                }
                return try await group.reduce(into: [UInt]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 201 }.count == 1, "\(statuses)")
            // The others are told the hamlet has a team (409) or, on SQLite, when their transaction met the winner's
            // write lock, to come back (503 with Retry-After); never a 500.
            #expect(statuses.filter { $0 == 409 || $0 == 503 }.count == 7, "\(statuses)")
            #expect(try await Team.query(on: t.app.db).filter(\.$status == .active).count() == 1)
        }
    }

    @Test("One phone added to two teams at once, and one login created twice at once: one wins, the other is told by name",
          arguments: [Engine.postgres])
    func concurrentPhoneAndLogin(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let commune = try await t.account("xa", role: .commune, scope: Fixtures.communeA)
            var teams: [String] = []
            for name in ["Thôn Một", "Thôn Hai", "Thôn Ba", "Thôn Bốn"] {
                teams.append(try await t.team(for: try await t.hamlet(name, in: Fixtures.communeA, token: commune), token: commune))
            }
            let added = try await withThrowingTaskGroup(of: TestApp.Reply.self) { group in
                for team in teams { group.addTask { try await t.member(team, name: "Vũ Thị Đua", phone: "0977000111", token: commune) } }
                return try await group.reduce(into: [TestApp.Reply]()) { $0.append($1) }
            }
            #expect(added.filter { $0.status == .created }.count == 1, "\(added.map(\.status))")
            for reply in added where reply.status != .created {
                #expect(reply.status == .conflict || reply.status == .serviceUnavailable, "\(reply.status) \(reply.text)")
                if reply.status == .conflict {
                    #expect((try reply.json()["errors"] as? [[String: Any]])?.first?["field"] as? String == "phone")
                }
            }
            let created = try await withThrowingTaskGroup(of: TestApp.Reply.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        try await t.send(.POST, "/api/v1/users", token: commune, json: [
                            "login": "to-truong-dua", "password": "Mot-mat-khau-rieng-9", "role": "leader", "scope": Fixtures.communeA,
                        ])
                    }
                }
                return try await group.reduce(into: [TestApp.Reply]()) { $0.append($1) }
            }
            #expect(created.filter { $0.status == .created }.count == 1, "\(created.map(\.status))")
            for reply in created where reply.status != .created {
                #expect(reply.status == .conflict || reply.status == .serviceUnavailable, "\(reply.status) \(reply.text)")
                if reply.status == .conflict {
                    #expect((try reply.json()["errors"] as? [[String: Any]])?.first?["field"] as? String == "login")
                }
            }
        }
    }

    @Test("The same sync batch sent twice at once lands once; each copy answers without a 5xx", arguments: [Engine.postgres])
    func concurrentRetries(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let v = try await OutreachTests.village(t)
            let household = UUID()
            let batch = OutreachTests.Batch(
                households: [["id": household.uuidString, "hamlet": v.hamlet, "address": "Số 40 ngõ 9", "headName": "Đặng Văn Tú"]],
                residents: (0..<20).map { i in .init(id: UUID(), household: household, fullName: "Đặng Văn \(i)", gender: "male", birthYear: 1980 + i) })
            let statuses = try await withThrowingTaskGroup(of: UInt.self) { group in
                for _ in 0..<4 { group.addTask { try await t.send(.POST, "/api/v1/sync", token: v.leader, json: batch).status.code } }
                return try await group.reduce(into: [UInt]()) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { $0 == 200 || $0 == 503 } && statuses.contains(200), "\(statuses)")
            #expect(try await Resident.query(on: t.app.db).count() == 25)
            #expect(try await Household.query(on: t.app.db).filter(\.$id == household).count() == 1)
        }
    }
}
