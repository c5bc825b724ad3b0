import Fluent
import Foundation
import LanToaCore
import Testing
@testable import App

@Suite("The accounts page")
struct AccountsPageTests {
    @Test("A commune official creates, disables, enables, unlocks, resets and links accounts on the web; errors name the field in Vietnamese",
          arguments: Engine.available)
    func manageAccounts(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let commune = try await t.account("xa", role: .commune, scope: Fixtures.communeB)
            let hamlet = try await t.hamlet("Thôn Khuổi Bó", in: Fixtures.communeB, token: commune)
            let team = try await t.team(for: hamlet, token: commune)
            #expect(try await t.member(team, name: "Hoàng Văn Pả", phone: "0987654321", role: "leader", token: commune).status == .created)
            _ = try await t.account("xa-khac", role: .commune, scope: Fixtures.communeA)
            var web = try await WebSession.signIn(t, login: "xa", password: "mat-khau-123")
            let page = try await web.send(.GET, "/accounts")
            #expect(page.status == .ok)
            #expect(page.text.contains("data-login=\"xa\"") && !page.text.contains("xa-khac"))
            web.csrf = WebSession.csrfToken(page.text)

            // A weak password: refused naming the field, what was typed kept (not the password).
            let weak = try await web.send(.POST, "/accounts", form: ["login": "to-truong.pa", "displayName": "Hoàng Văn Pả", "role": "leader",
                                                                    "scope": hamlet, "password": "1234567890"])
            #expect(weak.status == .unprocessableEntity)
            #expect(weak.text.contains("Mật khẩu: quá phổ biến"))
            #expect(weak.text.contains("value=\"to-truong.pa\""))
            let created = try await web.send(.POST, "/accounts", form: ["login": "to-truong.pa", "displayName": "Hoàng Văn Pả", "role": "leader",
                                                                       "scope": hamlet, "password": "Nui-rung-Khuoi-Bo-2026"])
            #expect(created.status == .ok)
            #expect(created.text.contains("Đã tạo tài khoản to-truong.pa"))
            let user = try #require(try await User.query(on: t.app.db).filter(\.$login == "to-truong.pa").first())
            #expect(user.mustChangePassword && user.role == .leader)

            // Link it to the member, by phone.
            let linked = try await web.send(.POST, "/accounts/\(user.id!)/member", form: ["phone": "0987 654 321"])
            #expect(linked.status == .ok)
            #expect(linked.text.contains("Hoàng Văn Pả · 0987 654 321"))
            let badPhone = try await web.send(.POST, "/accounts/\(user.id!)/member", form: ["phone": "0911222333"])
            #expect(badPhone.status == .unprocessableEntity)

            // Lock it out by guessing, then lift the lockout on the page.
            for _ in 0..<SignInPolicy().loginFailures {
                let clock = ManualClock(t.app.clock.now().addingTimeInterval(120))
                t.app.clock = clock.clock
                _ = try await t.send(.POST, "/api/v1/auth/login", json: ["login": "to-truong.pa", "password": "sai-mat-khau-1"])
            }
            let lockedPage = try await web.send(.GET, "/accounts")
            #expect(lockedPage.text.contains("Tạm khóa đăng nhập do sai mật khẩu"))
            #expect(try await web.send(.POST, "/accounts/\(user.id!)/unlock").status == .ok)
            #expect(try await t.send(.POST, "/api/v1/auth/login", json: ["login": "to-truong.pa", "password": "Nui-rung-Khuoi-Bo-2026"]).status == .ok)

            // Reset, disable, enable.
            #expect(try await web.send(.POST, "/accounts/\(user.id!)/password", form: ["password": "Suoi-Le-Nin-2026"]).status == .ok)
            #expect(try await t.send(.POST, "/api/v1/auth/login", json: ["login": "to-truong.pa", "password": "Suoi-Le-Nin-2026"]).status == .ok)
            #expect(try await web.send(.POST, "/accounts/\(user.id!)/disable").status == .ok)
            #expect(try await t.send(.POST, "/api/v1/auth/login", json: ["login": "to-truong.pa", "password": "Suoi-Le-Nin-2026"]).status == .unauthorized)
            #expect(try await web.send(.POST, "/accounts/\(user.id!)/enable").status == .ok)
            #expect(try await User.find(user.id, on: t.app.db)?.disabled == false)

            // Another commune's account cannot be touched from here.
            let other = try #require(try await User.query(on: t.app.db).filter(\.$login == "xa-khac").first()?.id)
            #expect(try await web.send(.POST, "/accounts/\(other)/disable").status == .notFound)
            #expect(try await User.find(other, on: t.app.db)?.disabled == false)

            let actions = try await AuditEntry.query(on: t.app.db).filter(\.$entity == "user").filter(\.$entityID == user.id!.uuidString.lowercased())
                .filter(\.$actorLogin == "xa").all().map(\.action)
            #expect(actions.sorted() == ["create", "unlock", "update", "update", "update", "update"])
        }
    }
}
