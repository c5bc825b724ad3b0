import Fluent
import Foundation
import LanToaCore
import Testing
@testable import App

@Suite("A member's record: pseudonyms in the audit trail, erasure, and transfers approved above both teams")
struct MemberRecordsTests {
    static let name = "Trần Thị Hoa"
    static let phone = "0912345678"

    static func audit(_ t: TestApp, entity: String, token: String) async throws -> [[String: Any]] {
        try await t.send(.GET, "/api/v1/audit?entity=\(entity)", token: token).json()["items"] as? [[String: Any]] ?? []
    }

    @Test("The audit trail keeps keyed references, not a member's name or phone; erasure leaves them pointing at nobody",
          arguments: Engine.available)
    func pseudonymsAndErasure(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let commune = try await t.account("xa", role: .commune, scope: Fixtures.communeA)
            let hamlet = try await t.hamlet("Thôn Hoa Sen", in: Fixtures.communeA, token: commune)
            let team = try await t.team(for: hamlet, token: commune)
            let added = try await t.member(team, name: Self.name, phone: Self.phone, role: "leader", token: commune)
            #expect(added.status == .created)
            let memberID = try #require(try added.json()["memberId"] as? String).lowercased()
            let membershipID = try #require(try added.json()["membershipId"] as? String)

            // Nowhere in the trail is the name or the phone; the references are those of the member's own key.
            for e in try await AuditEntry.query(on: t.app.db).all() {
                for secret in [Self.name, Self.phone] { #expect(!(e.summary + e.before + e.after).contains(secret), "\(e.entity) \(e.action)") }
            }
            let member = try #require(try await Member.find(UUID(uuidString: memberID), on: t.app.db))
            #expect(member.auditKey.count == 32)
            let created = try #require(try await Self.audit(t, entity: "member", token: commune).first)
            let after = try JSONSerialization.jsonObject(with: Data((created["after"] as? String ?? "").utf8)) as? [String: Any]
            #expect(after?["nameRef"] as? String == MemberPseudonyms.reference(Self.name, field: "name", key: member.auditKey))
            #expect(after?["phoneRef"] as? String == MemberPseudonyms.reference(Self.phone, field: "phone", key: member.auditKey))
            #expect(after?["nameRef"] as? String != MemberPseudonyms.reference(Self.name, field: "name", key: MemberPseudonyms.newKey()))
            // Readable where the person is in scope: the API and the page name them beside the entry.
            #expect(created["person"] as? String == Self.name)
            let joined = try await Self.audit(t, entity: "membership", token: commune)
            #expect(joined.first?["person"] as? String == Self.name)
            let web = try await WebSession.signIn(t, login: "xa", password: "mat-khau-123")
            let page = try await web.send(.GET, "/audit")
            #expect(page.text.contains("<span class=\"person\">\(Self.name)</span>"))

            // Another province's commune can neither erase the person nor see them named.
            let other = try await t.account("xa-b", role: .commune, scope: Fixtures.communeB)
            #expect(try await t.send(.POST, "/api/v1/members/\(memberID)/erase", token: other).status == .notFound)

            // A serving member is not erased: the membership ends first.
            let serving = try await t.send(.POST, "/api/v1/members/\(memberID)/erase", token: commune)
            #expect(serving.status == .unprocessableEntity)
            #expect((try serving.json()["errors"] as? [[String: Any]])?.first?["field"] as? String == "id")
            #expect((try serving.json()["errors"] as? [[String: Any]])?.first?["code"] as? String == "error.member_still_serving")
            #expect(try await t.send(.POST, "/api/v1/memberships/\(membershipID)/end", token: commune, json: ["reason": "chuyển đi"]).status == .ok)

            // A leader may not erase; the commune may, through the team page.
            let leader = try await t.account("to-truong", role: .leader, scope: hamlet)
            #expect(try await t.send(.POST, "/api/v1/members/\(memberID)/erase", token: leader).status == .forbidden)
            let teamPage = try await web.send(.GET, "/teams/\(team)")
            #expect(teamPage.text.contains("id=\"former\"") && teamPage.text.contains("/members/\(memberID)/erase"))
            let erased = try await web.send(.POST, "/members/\(memberID)/erase", form: ["team": team])
            #expect(erased.status == .seeOther)
            let stripped = try #require(try await Member.find(UUID(uuidString: memberID), on: t.app.db))
            #expect(stripped.fullName == "—" && stripped.auditKey.isEmpty && stripped.erasedAt != nil && !stripped.phone.contains(Self.phone))
            #expect(try await Self.audit(t, entity: "member", token: commune).allSatisfy { $0["person"] as? String == nil })
            #expect(try await AuditEntry.query(on: t.app.db).filter(\.$entity == "member").filter(\.$action == "erase").count() == 1)
            let after2 = try await web.send(.GET, "/teams/\(team)")
            #expect(!after2.text.contains(Self.name) && after2.text.contains("Dữ liệu cá nhân đã được xoá theo yêu cầu"))
            // Erasing twice changes nothing more.
            #expect(try await t.send(.POST, "/api/v1/members/\(memberID)/erase", token: commune).status == .noContent)
            #expect(try await AuditEntry.query(on: t.app.db).filter(\.$entity == "member").filter(\.$action == "erase").count() == 1)
            // The phone is free again: the person can be taken up anew as a new record.
            #expect(try await t.member(team, name: Self.name, phone: Self.phone, role: "leader", token: commune).status == .created)
        }
    }

    @Test("A member moves between communes only by an official above both; the figures follow", arguments: Engine.available)
    func transferAboveBoth(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let communeA = try await t.account("xa-a", role: .commune, scope: Fixtures.communeA)
            let hamletA = try await t.hamlet("Thôn Cũ", in: Fixtures.communeA, token: communeA)
            let teamA = try await t.team(for: hamletA, token: communeA)
            let added = try await t.member(teamA, name: Self.name, phone: Self.phone, role: "leader", token: communeA)
            let memberID = try #require(try added.json()["memberId"] as? String)
            let secondCommune = "00008"
            let communeN = try await t.account("xa-n", role: .commune, scope: secondCommune)
            let hamletN = try await t.hamlet("Thôn Mới", in: secondCommune, token: communeN)
            let teamN = try await t.team(for: hamletN, token: communeN)
            let body = ["team": teamN, "role": "member", "from": "2026-11-22"]

            // Neither commune sees both teams: each is told the other's record does not exist.
            #expect(try await t.send(.POST, "/api/v1/members/\(memberID)/transfer", token: communeA, json: body).status == .notFound)
            #expect(try await t.send(.POST, "/api/v1/members/\(memberID)/transfer", token: communeN, json: body).status == .notFound)
            // A bad day is named.
            let province = try await t.account("so", role: .province, scope: Fixtures.provinceA)
            let early = try await t.send(.POST, "/api/v1/members/\(memberID)/transfer", token: province,
                                         json: ["team": teamN, "role": "member", "from": "2020-01-01"])
            #expect(early.status == .unprocessableEntity)
            #expect((try early.json()["errors"] as? [[String: Any]])?.first?["field"] as? String == "from")

            let moved = try await t.send(.POST, "/api/v1/members/\(memberID)/transfer", token: province, json: body)
            #expect(moved.status == .ok)
            #expect(try moved.json()["memberId"] as? String == memberID)
            let old = try await t.send(.GET, "/api/v1/teams/\(teamA)", token: communeA).json()
            let new = try await t.send(.GET, "/api/v1/teams/\(teamN)", token: communeN).json()
            #expect((old["members"] as? [Any])?.count == 0)
            #expect(((new["members"] as? [[String: Any]])?.map { $0["fullName"] as? String }) == [Self.name])
            let member = try #require(try await Member.find(UUID(uuidString: memberID), on: t.app.db))
            let unitN = try #require(try await Unit.query(on: t.app.db).filter(\.$code == hamletN).first())
            #expect(member.unitPath == unitN.path)
            let ended = try await Membership.query(on: t.app.db).filter(\.$memberID == member.id!).filter(\.$teamID == UUID(uuidString: teamA)!).all()
            #expect(ended.map(\.validTo) == ["2026-11-22"] && ended.first?.endReason.hasPrefix("Chuyển sang") == true)
            // Moving again into the same team is refused by name.
            let twice = try await t.send(.POST, "/api/v1/members/\(memberID)/transfer", token: province, json: body)
            #expect((try twice.json()["errors"] as? [[String: Any]])?.first?["field"] as? String == "team")

            let rows = try await DashboardTests.rollups(t.app.db)
            try await RollupBuilder(db: t.app.db).rebuild()
            #expect(try await DashboardTests.rollups(t.app.db) == rows)
        }
    }

    @Test("Sessions that are over are purged from the table; live ones stay", arguments: Engine.available)
    func sessionsPurged(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            _ = try await t.account("xa", role: .commune, scope: Fixtures.communeA)
            _ = try await WebSession.signIn(t, login: "xa", password: "mat-khau-123")
            _ = try await WebSession.signIn(t, login: "xa", password: "mat-khau-123")
            #expect(try await SessionRecord.query(on: t.app.db).count() == 2)
            #expect(try await SessionLifetime.purge(on: t.app.db, now: t.app.clock.now()) == 0)
            #expect(try await SessionLifetime.purge(on: t.app.db, now: t.app.clock.now().addingTimeInterval(31 * 60)) == 2)
            #expect(try await SessionRecord.query(on: t.app.db).count() == 0)
        }
    }
}
