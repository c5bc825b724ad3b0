import Fluent
import Foundation
import Testing
@testable import App

@Suite("Administrative units through the API")
struct UnitsTests {
    @Test("34 provinces today, 63 before the reorganisation, 3,321 communes", arguments: Engine.available)
    func unitCountsFollowTheDate(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let token = try await t.account("admin", role: .admin, scope: nil)
            func total(_ query: String) async throws -> Int {
                let reply = try await t.send(.GET, "/api/v1/units?\(query)&limit=1", token: token)
                #expect(reply.status == .ok)
                return try reply.json()["total"] as? Int ?? -1
            }
            #expect(try await total("tier=province") == 34)
            #expect(try await total("tier=province&asOf=2025-06-30") == 63)
            #expect(try await total("tier=district&asOf=2025-06-30") == 696)
            #expect(try await total("tier=district") == 0)
            #expect(try await total("tier=commune") == 3321)
            #expect(try await total("tier=commune&asOf=2025-06-30") == 10035)
            #expect(try await total("parent=20&tier=commune") == 65)
        }
    }

    @Test("Search ignores diacritics and tone placement", arguments: Engine.available)
    func searchFoldsDiacritics(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let token = try await t.account("admin", role: .admin, scope: nil)
            let reply = try await t.send(.GET, "/api/v1/units?q=lang%20son&tier=province", token: token)
            let names = (try reply.json()["items"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            #expect(names == ["Tỉnh Lạng Sơn"])
            #expect(try reply.json()["next"] is NSNull)
            let first = try await t.send(.GET, "/api/v1/units?tier=province&limit=20", token: token).json()
            #expect(first["next"] as? String == "20")
            let second = try await t.send(.GET, "/api/v1/units?tier=province&limit=20&cursor=20", token: token).json()
            #expect((second["items"] as? [Any])?.count == 14)
            // "Hoà" (old tone placement) and "Hòa" find the same communes.
            let a = try await t.send(.GET, "/api/v1/units?q=ho%C3%A0%20b%C3%ACnh&tier=commune", token: token).json()["total"] as? Int
            let b = try await t.send(.GET, "/api/v1/units?q=h%C3%B2a%20b%C3%ACnh&tier=commune", token: token).json()["total"] as? Int
            #expect(a == b)
            #expect((a ?? 0) > 0)
        }
    }

    @Test("A new commune's lineage lists the old communes it was made from", arguments: Engine.available)
    func lineageOfANewCommune(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let token = try await t.account("admin", role: .admin, scope: nil)
            let reply = try await t.send(.GET, "/api/v1/units/00004/lineage", token: token)
            #expect(reply.status == .ok)
            let lineage = try reply.decode(LineageResponse.self)
            #expect(lineage.unit.name == "Phường Ba Đình")
            let full = lineage.predecessors.filter { $0.share == .full }.map(\.unit.name)
            #expect(full.contains("Phường Trúc Bạch"))
            #expect(full.contains("Phường Quán Thánh"))
            #expect(lineage.predecessors.allSatisfy { $0.unit.validTo == "2025-06-30" })
            // The old Trúc Bạch (also code 00004) went into the new Ba Đình.
            let old = try await t.send(.GET, "/api/v1/units/00004/lineage?asOf=2025-06-30", token: token).decode(LineageResponse.self)
            #expect(old.unit.name == "Phường Trúc Bạch")
            #expect(old.successors.map(\.unit.name) == ["Phường Ba Đình"])
        }
    }

    @Test("Đồng Nai is a province before 30 April 2026 and a centrally-run city after", arguments: Engine.available)
    func kindChangesOnItsDate(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let token = try await t.account("admin", role: .admin, scope: nil)
            let before = try await t.send(.GET, "/api/v1/units/75?asOf=2026-04-29", token: token).decode(UnitResponse.self)
            let after = try await t.send(.GET, "/api/v1/units/75?asOf=2026-04-30", token: token).decode(UnitResponse.self)
            #expect(before.kind == .tinh && before.name == "Tỉnh Đồng Nai")
            #expect(after.kind == .thanhPhoTW && after.name == "Thành phố Đồng Nai")
            #expect(before.id == after.id)
        }
    }

    @Test("A commune creates hamlets in its own commune only", arguments: Engine.available)
    func hamletsAreCreatedInScope(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let commune = try await t.account("xa", role: .commune, scope: Fixtures.communeA)
            let code = try await t.hamlet("Tổ dân phố số 5", in: Fixtures.communeA, token: commune)
            #expect(code == "\(Fixtures.communeA)-001")
            let shown = try await t.send(.GET, "/api/v1/units/\(code)", token: commune).decode(UnitResponse.self)
            #expect(shown.kind == .toDanPho && shown.tier == .hamlet && shown.parentCode == Fixtures.communeA)
            let outside = try await t.send(.POST, "/api/v1/units", token: commune, json: ["parentCode": Fixtures.communeB, "name": "Thôn Nà Sản"])
            #expect(outside.status == .forbidden)
            let duplicate = try await t.send(.POST, "/api/v1/units", token: commune, json: ["parentCode": Fixtures.communeA, "name": "to dan pho so 5"])
            #expect(duplicate.status == .conflict)
            let blank = try await t.send(.POST, "/api/v1/units", token: commune, json: ["parentCode": Fixtures.communeA, "name": " "])
            #expect(blank.status == .unprocessableEntity)
            #expect(blank.text.contains("\"field\":\"name\""))
            // Another commune's account does not see the hamlet.
            let other = try await t.account("xa-b", role: .commune, scope: Fixtures.communeB)
            #expect(try await t.send(.GET, "/api/v1/units/\(code)", token: other).status == .notFound)
        }
    }

    @Test("A commune corrects a hamlet's former commune on its page, among its commune's predecessors only", arguments: Engine.available)
    func formerCommune(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let commune = try await t.account("xa", role: .commune, scope: Fixtures.communeA)
            let code = try await t.hamlet("Tổ dân phố số 5", in: Fixtures.communeA, token: commune)
            let web = try await WebSession.signIn(t, login: "xa", password: "mat-khau-123")
            let page = try await web.send(.GET, "/units/\(code)")
            #expect(page.status == .ok && page.text.contains("id=\"former-form\"") && page.text.contains("Phường Quán Thánh (00013)"))
            let saved = try await web.send(.POST, "/units/\(code)/former-commune", form: ["formerCommune": "00013"])
            #expect(saved.status == .seeOther || saved.status == .found, "\(saved.status)")
            #expect(try await web.send(.GET, "/units/\(code)").text.contains("<p id=\"former-name\">Phường Quán Thánh</p>"))
            let hamlet = try #require(try await Unit.query(on: t.app.db).filter(\.$code == code).first())
            let links = try await UnitParent.query(on: t.app.db).filter(\.$unitID == hamlet.id!).all()
            let quanThanh = try #require(try await Unit.query(on: t.app.db).filter(\.$code == "00013").filter(\.$tier == .commune).first())
            #expect(links.count == 2 && links.contains { $0.parentID == quanThanh.id! } && hamlet.formerPath.hasPrefix(quanThanh.path))
            // A commune of another place is refused, naming the field.
            let wrong = try await web.send(.POST, "/units/\(code)/former-commune", form: ["formerCommune": "00097"])
            #expect(wrong.status == .unprocessableEntity && wrong.text.contains("Xã cũ (trước 01/07/2025): 00097 không phải xã cũ"))
        }
    }
}
