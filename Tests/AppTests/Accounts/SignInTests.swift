import Fluent
import Foundation
import LanToaCore
import NIOConcurrencyHelpers
import Testing
import Vapor
@testable import App

/// A clock a test moves forward by hand.
final class ManualClock: Sendable {
    private let instant: NIOLockedValueBox<Date>

    init(_ start: Date) { instant = .init(start) }

    func advance(_ seconds: Int) { instant.withLockedValue { $0 += TimeInterval(seconds) } }

    var clock: AppClock {
        AppClock(now: { [instant] in instant.withLockedValue { $0 } }, timeZone: AppClock.vietnam)
    }
}

@Suite("Sign-in resists guessing; sessions and headers")
struct SignInTests {
    /// Sends a wrong or right password, waiting out each short pause (moving the clock by `Retry-After`) so that only
    /// a refusal or a lockout comes back.
    static func attempt(_ t: TestApp, clock: ManualClock, login: String, password: String) async throws -> TestApp.Reply {
        while true {
            let reply = try await t.send(.POST, "/api/v1/auth/login", json: ["login": login, "password": password])
            guard reply.status == .tooManyRequests, let wait = reply.headers.first(name: "Retry-After").flatMap(Int.init),
                  wait < SignInPolicy().lockoutSeconds else { return reply }
            clock.advance(wait)
        }
    }

    @Test("30 wrong passwords then the right one: refused until a higher tier unlocks or the lockout ends; an unknown login gets the same answers",
          arguments: Engine.available)
    func lockout(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let clock = ManualClock(t.app.clock.now())
            t.app.clock = clock.clock
            let province = try await t.account("tinh", role: .province, scope: Fixtures.provinceB)
            _ = try await t.account("xa", role: .commune, scope: Fixtures.communeB)
            _ = try await t.account("xa2", role: .commune, scope: Fixtures.communeB)
            var answers: [String: [Int]] = [:]
            var bodies: [String: Set<String>] = [:]
            for _ in 1...30 {
                for login in ["xa", "xa2", "khong-co-ai"] {
                    let reply = try await Self.attempt(t, clock: clock, login: login, password: "sai-mat-khau-1")
                    answers[login, default: []].append(Int(reply.status.code))
                    bodies[login, default: []].insert(reply.text)
                }
            }
            let expected = Array(repeating: 401, count: SignInPolicy().loginFailures) + Array(repeating: 429, count: 30 - SignInPolicy().loginFailures)
            #expect(answers["xa"] == expected)
            // Nothing tells an existing login from one no account has: same statuses, same bodies.
            #expect(answers["khong-co-ai"] == expected)
            #expect(bodies["xa"] == bodies["khong-co-ai"])
            #expect(bodies["xa"]?.count == 2)

            let right = try await t.send(.POST, "/api/v1/auth/login", json: ["login": "xa", "password": "mat-khau-123"])
            #expect(right.status == .tooManyRequests)
            #expect(right.headers.first(name: "Content-Type")?.hasPrefix("application/problem+json") == true)
            #expect((try right.json()["detail"] as? String)?.contains("15 phút") == true)

            // The province sees the lockout and lifts it; the unlock is audited.
            let accounts = try await t.send(.GET, "/api/v1/users?limit=100", token: province)
            let xa = (try accounts.json()["items"] as? [[String: Any]] ?? []).first { $0["login"] as? String == "xa" }
            #expect(xa?["lockedUntil"] is String)
            let xaID = try #require(xa?["id"] as? String)
            let unlocked = try await t.send(.POST, "/api/v1/users/\(xaID)/unlock", token: province)
            #expect(unlocked.status == .ok)
            #expect(try unlocked.json()["lockedUntil"] == nil)
            let after = try await t.send(.POST, "/api/v1/auth/login", json: ["login": "xa", "password": "mat-khau-123"])
            #expect(after.status == .ok)
            let actions = try await AuditEntry.query(on: t.app.db).filter(\.$entity == "user").filter(\.$entityID == xaID.lowercased()).all()
                .map(\.action)
            #expect(actions.filter { $0 == "lock" }.count == 1)
            #expect(actions.filter { $0 == "unlock" }.count == 1)
            #expect(actions.filter { $0 == "login" }.count == 2)

            // xa2 waits the lockout out instead.
            let stillLocked = try await t.send(.POST, "/api/v1/auth/login", json: ["login": "xa2", "password": "mat-khau-123"])
            #expect(stillLocked.status == .tooManyRequests)
            clock.advance(SignInPolicy().lockoutSeconds)
            let later = try await t.send(.POST, "/api/v1/auth/login", json: ["login": "xa2", "password": "mat-khau-123"])
            #expect(later.status == .ok)
            let unknownLater = try await t.send(.POST, "/api/v1/auth/login", json: ["login": "khong-co-ai", "password": "mat-khau-123"])
            #expect(unknownLater.status == .unauthorized)

            // A commune may not unlock the province's account, nor one outside its commune.
            let commune = try await t.send(.POST, "/api/v1/auth/login", json: ["login": "xa2", "password": "mat-khau-123"])
            let communeToken = try #require(try commune.json()["token"] as? String)
            let tinhID = try #require((try accounts.json()["items"] as? [[String: Any]] ?? []).first { $0["login"] as? String == "tinh" }?["id"] as? String)
            let refused = try await t.send(.POST, "/api/v1/users/\(tinhID)/unlock", token: communeToken)
            #expect(refused.status == .notFound || refused.status == .forbidden)
        }
    }

    @Test("Passwords: at least 10 characters, not the login, not a common one; each refusal names the field", arguments: Engine.available)
    func passwordRules(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let province = try await t.account("tinh", role: .province, scope: Fixtures.provinceB)
            for (password, code) in [("ngan-qua", "error.password_short"), ("1234567890", "error.password_common"),
                                     ("xa.tamthanh-2026", "error.password_login"), ("matkhau@123", "error.password_common")] {
                let reply = try await t.send(.POST, "/api/v1/users", token: province, json: [
                    "login": "xa.tamthanh", "password": password, "role": "commune", "scope": Fixtures.communeB,
                ])
                #expect(reply.status == .unprocessableEntity, "\(password)")
                let errors = try reply.json()["errors"] as? [[String: Any]] ?? []
                #expect(errors.map { "\($0["field"]!)|\($0["code"]!)" } == ["password|\(code)"], "\(password)")
            }
            let ok = try await t.send(.POST, "/api/v1/users", token: province, json: [
                "login": "xa.tamthanh", "password": "Lua-chin-vang-2026", "role": "commune", "scope": Fixtures.communeB,
            ])
            #expect(ok.status == .created)
            #expect(try ok.json()["mustChangePassword"] as? Bool == true)
            // Hashed at the configured cost: the suite's 4 (a deployment's is 12, CommandTests).
            let stored = try #require(try await User.query(on: t.app.db).filter(\.$login == "xa.tamthanh").first())
            #expect(stored.passwordHash.split(separator: "$").dropFirst().first == "04")
        }
    }

    @Test("Where required, a password someone else set must be changed first; then other tokens are revoked", arguments: Engine.available)
    func forcedChange(engine: Engine) async throws {
        try await TestApp.run(engine, config: { $0.requirePasswordChange = true }) { t in
            let token = try await t.account("xa", role: .commune, scope: Fixtures.communeB)
            let second = try await t.send(.POST, "/api/v1/auth/login", json: ["login": "xa", "password": "mat-khau-123"])
            let other = try #require(try second.json()["token"] as? String)
            let blocked = try await t.send(.GET, "/api/v1/teams", token: token)
            #expect(blocked.status == .forbidden)
            #expect(try blocked.json()["type"] as? String == "urn:lantoa:problem:password_change_required")
            let me = try await t.send(.GET, "/api/v1/me", token: token)
            #expect(try me.json()["mustChangePassword"] as? Bool == true)
            let wrong = try await t.send(.POST, "/api/v1/me/password", token: token, json: ["currentPassword": "khong-dung-1", "newPassword": "Mua-xuan-tren-nui-2026"])
            #expect(wrong.status == .unprocessableEntity)
            let changed = try await t.send(.POST, "/api/v1/me/password", token: token, json: ["currentPassword": "mat-khau-123", "newPassword": "Mua-xuan-tren-nui-2026"])
            #expect(changed.status == .noContent)
            #expect(try await t.send(.GET, "/api/v1/teams", token: token).status == .ok)
            #expect(try await t.send(.GET, "/api/v1/teams", token: other).status == .unauthorized)

            // The web: a page redirects to the password form until the password is changed.
            _ = try await t.account("xa2", role: .commune, scope: Fixtures.communeB)
            var web = try await WebSession.signIn(t, login: "xa2", password: "mat-khau-123")
            let units = try await web.send(.GET, "/units")
            #expect(units.status == .seeOther)
            #expect(units.headers.first(name: "Location") == "/account/password")
            let form = try await web.send(.GET, "/account/password")
            web.csrf = WebSession.csrfToken(form.text)
            #expect(form.text.contains("Mật khẩu này do người khác đặt"))
            let short = try await web.send(.POST, "/account/password", form: ["currentPassword": "mat-khau-123", "newPassword": "ngan"])
            #expect(short.status == .unprocessableEntity)
            #expect(short.text.contains("Mật khẩu mới: cần ít nhất 10 ký tự"))
            let before = web.sessionID
            let done = try await web.send(.POST, "/account/password", form: ["currentPassword": "mat-khau-123", "newPassword": "Mua-xuan-tren-nui-2026"])
            #expect(done.status == .ok)
            web.receive(done)
            #expect(web.sessionID != before)
            #expect(try await web.send(.GET, "/units").status == .ok)
        }
    }

    @Test("The session id changes at sign-in, anonymous pages make no session, and a disabled account's session and tokens end",
          arguments: Engine.available)
    func sessions(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let province = try await t.account("tinh", role: .province, scope: Fixtures.provinceB)
            let memberToken = try await t.account("tv", role: .member, scope: Fixtures.communeB)
            let sessions = { try await SessionRecord.query(on: t.app.db).count() }
            for path in ["/login", "/units", "/lang/en?next=/login", "/login"] { _ = try await t.send(.GET, path) }
            #expect(try await sessions() == 0)

            // A session id planted before sign-in is not the one after it.
            let page = try await t.send(.GET, "/login")
            var planted = WebSession(t: t, cookie: WebSession.cookieHeader(page) + "; lantoa_session=planted-id-1234", csrf: WebSession.csrfToken(page.text))
            let signedIn = try await planted.send(.POST, "/login", form: ["login": "tv", "password": "mat-khau-123", "next": "/units"])
            #expect(signedIn.status == .seeOther)
            planted.receive(signedIn)
            #expect(planted.sessionID != nil && planted.sessionID != "planted-id-1234")
            let first = planted.sessionID
            var again = try await WebSession.signIn(t, login: "tv", password: "mat-khau-123")
            #expect(again.sessionID != first)
            #expect(try await again.send(.GET, "/units").status == .ok)

            // A wrong CSRF token, or one sent in the query string, is refused.
            let viaQuery = try await t.send(.POST, "/logout?_csrf=\(again.csrf)", headers: [("Cookie", again.cookie)])
            #expect(viaQuery.status == .forbidden)

            // The province disables the member: the open session and the token stop working at once.
            let list = try await t.send(.GET, "/api/v1/users?limit=100", token: province)
            let id = try #require((try list.json()["items"] as? [[String: Any]] ?? []).first { $0["login"] as? String == "tv" }?["id"] as? String)
            #expect(try await t.send(.POST, "/api/v1/users/\(id)/disable", token: province).status == .ok)
            #expect(try await t.send(.GET, "/api/v1/me", token: memberToken).status == .unauthorized)
            let page2 = try await again.send(.GET, "/units")
            #expect(page2.status == .seeOther)
            #expect(page2.headers.first(name: "Location")?.hasPrefix("/login") == true)
            #expect(try await t.send(.POST, "/api/v1/auth/login", json: ["login": "tv", "password": "mat-khau-123"]).status == .unauthorized)
            #expect(try await t.send(.POST, "/api/v1/users/\(id)/enable", token: province).status == .ok)
            again = try await WebSession.signIn(t, login: "tv", password: "mat-khau-123")

            // An idle session ends after 30 minutes.
            let clock = ManualClock(t.app.clock.now())
            t.app.clock = clock.clock
            clock.advance(Int(SessionLifetime.idleTimeout) + 1)
            #expect(try await again.send(.GET, "/units").status == .seeOther)

            // Signing out over the API revokes the token used.
            let login = try await t.send(.POST, "/api/v1/auth/login", json: ["login": "tv", "password": "mat-khau-123"])
            let token = try #require(try login.json()["token"] as? String)
            #expect(try await t.send(.POST, "/api/v1/auth/logout", token: token).status == .noContent)
            #expect(try await t.send(.GET, "/api/v1/me", token: token).status == .unauthorized)
        }
    }

    @Test("The language switch sends nobody to another site")
    func openRedirect() async throws {
        try await TestApp.run(.sqlite) { t in
            for next in ["%2F%09%2Fevil.example", "%2F%2Fevil.example", "%2F%5Cevil.example", "https%3A%2F%2Fevil.example", "%2F%0A%2Fevil.example"] {
                let reply = try await t.send(.GET, "/lang/vi?next=\(next)")
                #expect(reply.headers.first(name: "Location") == "/units", "\(next)")
            }
            #expect(try await t.send(.GET, "/lang/vi?next=%2Fdashboard%3Fperiod%3D2026").headers.first(name: "Location") == "/dashboard?period=2026")
        }
    }

    @Test("Every route, page and API, answers with the security headers, whatever its status", arguments: Engine.available)
    func headersOnEveryRoute(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let token = try await t.account("xa", role: .commune, scope: Fixtures.communeB)
            let web = try await WebSession.signIn(t, login: "xa", password: "mat-khau-123")
            var checked = 0
            for route in t.app.routes.all {
                let path = "/" + route.path.map { component -> String in
                    switch component {
                    case let .constant(text): text
                    case .parameter: UUID().uuidString
                    case .anything, .catchall: "x"
                    }
                }.joined(separator: "/")
                for signedIn in [false, true] {
                    let headers: [(String, String)] = signedIn ? [("Cookie", web.cookie), ("X-CSRF-Token", web.csrf)] : []
                    let reply = try await t.send(route.method, path, token: signedIn && path.hasPrefix("/api/") ? token : nil, headers: headers)
                    Self.expectSecurityHeaders(reply, "\(route.method) \(path)")
                    checked += 1
                }
            }
            #expect(checked == t.app.routes.all.count * 2)
            for path in ["/css/app.css", "/app/", "/app/app.js", "/khong-co-trang-nay", "/api/v1/khong-co"] {
                Self.expectSecurityHeaders(try await t.send(.GET, path), path)
            }
            let api = try await t.send(.GET, "/api/v1/me", token: token)
            #expect(api.headers.first(name: "Cache-Control") == "no-store")
            // Behind a proxy that says the request came over TLS: HSTS and Secure cookies.
            t.app.lantoaConfig.behindProxy = true
            let tls = try await t.send(.GET, "/login", headers: [("X-Forwarded-Proto", "https")])
            #expect(tls.headers.first(name: "Strict-Transport-Security")?.hasPrefix("max-age=") == true)
            #expect(tls.headers["Set-Cookie"].allSatisfy { $0.contains("Secure") })
            #expect(!tls.headers["Set-Cookie"].isEmpty)
            let plain = try await t.send(.GET, "/login")
            #expect(plain.headers.first(name: "Strict-Transport-Security") == nil)
        }
    }

    @Test("Tokens are listed and revoked one by one; a refresh token is spent once; an official sees and revokes those of accounts below",
          arguments: Engine.available)
    func tokens(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let province = try await t.account("tinh", role: .province, scope: Fixtures.provinceB)
            _ = try await t.account("xa", role: .commune, scope: Fixtures.communeB)
            let login = try await t.send(.POST, "/api/v1/auth/login", json: ["login": "xa", "password": "mat-khau-123"])
            let access = try #require(try login.json()["token"] as? String)
            let refresh = try #require(try login.json()["refreshToken"] as? String)
            #expect((try login.json()["queueKey"] as? String).flatMap { Data(base64Encoded: $0) }?.count == 32)
            // Two sign-ins (the helper's and this one), an access and a refresh token each.
            let mine = try await t.send(.GET, "/api/v1/me/tokens", token: access)
            let kinds = (try JSONSerialization.jsonObject(with: mine.body) as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }
            #expect(kinds.sorted() == ["access", "access", "refresh", "refresh"])

            let renewed = try await t.send(.POST, "/api/v1/auth/refresh", json: ["refreshToken": refresh])
            #expect(renewed.status == .ok)
            let newAccess = try #require(try renewed.json()["token"] as? String)
            #expect(try await t.send(.GET, "/api/v1/me", token: newAccess).status == .ok)
            #expect(try await t.send(.POST, "/api/v1/auth/refresh", json: ["refreshToken": refresh]).status == .unauthorized)
            // A refresh token is no access token.
            #expect(try await t.send(.GET, "/api/v1/me", token: refresh).status == .unauthorized)

            // The province revokes the commune's first access token.
            let xaID = try #require(try await User.query(on: t.app.db).filter(\.$login == "xa").first()?.id)
            let listed = try await t.send(.GET, "/api/v1/users/\(xaID)/tokens", token: province)
            #expect(listed.status == .ok)
            let ids = try await UserToken.query(on: t.app.db).filter(\.$userID == xaID).filter(\.$tokenHash == AccountService.hash(access)).all(\.$id)
            let id = try #require(ids.first ?? nil)
            #expect(try await t.send(.DELETE, "/api/v1/tokens/\(id)", token: province).status == .noContent)
            #expect(try await t.send(.GET, "/api/v1/me", token: access).status == .unauthorized)
            #expect(try await t.send(.GET, "/api/v1/me", token: newAccess).status == .ok)
            // The commune may not list the province's.
            let tinhID = try #require(try await User.query(on: t.app.db).filter(\.$login == "tinh").first()?.id)
            let above = try await t.send(.GET, "/api/v1/users/\(tinhID)/tokens", token: newAccess)
            #expect(above.status == .notFound || above.status == .forbidden)
        }
    }

    static func expectSecurityHeaders(_ reply: TestApp.Reply, _ what: String) {
        let csp = reply.headers.first(name: "Content-Security-Policy") ?? ""
        #expect(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "\(what)")
        #expect(reply.headers.first(name: "X-Frame-Options") == "DENY", "\(what)")
        #expect(reply.headers.first(name: "X-Content-Type-Options") == "nosniff", "\(what)")
        #expect(reply.headers.first(name: "Referrer-Policy") == "same-origin", "\(what)")
        #expect(reply.headers.first(name: "Permissions-Policy")?.contains("camera=()") == true, "\(what)")
    }
}
