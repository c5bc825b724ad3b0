import Fluent
import Foundation
import LanToaCore
import Testing
import Vapor
@testable import App

@Suite("Personal data: only field and commune roles read it, every bulk read is audited and paced")
struct PersonalDataTests {
    @Test("Viewers, provinces and the ministry get 403 on residents, look-ups, sync and sweep lists; aggregates stay open to them",
          arguments: Engine.available)
    func aggregatesOnly(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let v = try await OutreachTests.village(t)
            let viewer = try await t.account("thanh-tra", role: .viewer, scope: Fixtures.provinceA)
            let province = try await t.account("tinh", role: .province, scope: Fixtures.provinceA)
            let admin = try await t.account("bo", role: .admin, scope: nil)
            let batch = OutreachTests.Batch(activities: [.init(id: UUID(), resident: v.residents[0], service: "vneid_level2", outcome: "done")])
            for (name, token) in [("viewer", viewer), ("province", province), ("admin", admin)] {
                let requests: [(HTTPMethod, String, (any Encodable)?)] = [
                    (.GET, "/api/v1/residents?unit=\(Fixtures.communeA)", nil),
                    (.GET, "/api/v1/residents/\(v.residents[0])", nil),
                    (.GET, "/api/v1/residents/\(v.residents[0])/export", nil),
                    (.POST, "/api/v1/residents/lookup", ["cccd": OutreachTests.cccdWoman1985]),
                    (.GET, "/api/v1/sync", nil),
                    (.GET, "/api/v1/sweep?unit=\(v.hamlet)&service=vneid_level2", nil),
                ]
                for (method, path, body) in requests {
                    let reply = try await t.send(method, path, token: token, json: body)
                    #expect(reply.status == .forbidden, "\(name) \(method) \(path): \(reply.status)")
                    #expect(!reply.text.contains("Nguyễn Thị Hạnh"), "\(name) \(path)")
                }
                #expect(try await t.send(.GET, "/api/v1/dashboard?unit=\(Fixtures.communeA)", token: token).status == .ok, "\(name)")
            }
            // A viewer cannot write to the support log either.
            #expect(try await t.send(.POST, "/api/v1/sync", token: viewer, json: batch).status == .forbidden)
            #expect(try await SupportActivity.query(on: t.app.db).count() == 0)
            // Nothing was read, so nothing was audited as read.
            #expect(try await AuditEntry.query(on: t.app.db).filter(\.$action ~~ ["read", "lookup"]).count() == 0)
            // The sweep page too.
            _ = try await t.app.accounts
                .create(CreateUserRequest(login: "thanh-tra-2", password: "mat-khau-123", displayName: nil, role: "viewer", scope: Fixtures.provinceA), by: .system)
            let session = try await WebSession.signIn(t, login: "thanh-tra-2", password: "mat-khau-123")
            let page = try await session.send(.GET, "/units/\(Fixtures.communeA)/sweep?service=vneid_level2")
            #expect(page.status == .forbidden)
            #expect(!page.text.contains("Nguyễn Thị Hạnh"))
        }
    }

    @Test("Each list, look-up, sweep and full download is audited without the data; the 61st read in a minute waits",
          arguments: Engine.available)
    func auditedAndPaced(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            // The minute is the app's: held still here, so that a slow machine does not let the window slide.
            t.app.clock = ManualClock(t.app.clock.now()).clock
            let v = try await OutreachTests.village(t)
            #expect(try await t.send(.GET, "/api/v1/residents?unit=\(Fixtures.communeA)", token: v.commune).status == .ok)
            #expect(try await t.send(.POST, "/api/v1/residents/lookup", token: v.commune, json: ["cccd": OutreachTests.cccdWoman1985]).status == .ok)
            #expect(try await t.send(.GET, "/api/v1/sweep?unit=\(v.hamlet)&service=vneid_level2", token: v.leader).status == .ok)
            let pull = try await t.send(.GET, "/api/v1/sync", token: v.leader)
            #expect(pull.status == .ok)
            #expect(pull.headers.first(name: "Cache-Control") == "no-store")
            let cursor = try #require(try pull.json()["cursor"] as? String)
            #expect(try await t.send(.GET, "/api/v1/sync?since=\(cursor)", token: v.leader).status == .ok)
            let entries = try await AuditEntry.query(on: t.app.db).filter(\.$action ~~ ["read", "lookup"]).sort(\.$entity).all()
            #expect(entries.count == 4)
            #expect(Set(entries.map { "\($0.actorLogin) \($0.action) \($0.entity)" })
                == ["xa read resident", "xa lookup resident", "to-truong read sweep", "to-truong read working_set"])
            for entry in entries {
                #expect(!entry.summary.contains(OutreachTests.cccdWoman1985) && !entry.summary.contains("Nguyễn Thị Hạnh"))
            }

            // The commune has read twice this minute; 58 more pass, the next waits.
            for _ in 1...(PersonalDataReads.perMinute - 2) {
                #expect(try await t.send(.GET, "/api/v1/residents?unit=\(Fixtures.communeA)&limit=1", token: v.commune).status == .ok)
            }
            let paced = try await t.send(.GET, "/api/v1/residents?unit=\(Fixtures.communeA)&limit=1", token: v.commune)
            #expect(paced.status == .tooManyRequests)
            #expect(Int(paced.headers.first(name: "Retry-After") ?? "") ?? 0 > 0)
            // Another account is not held back by the commune's reads.
            #expect(try await t.send(.GET, "/api/v1/residents/\(v.residents[0])", token: v.leader).status == .ok)
        }
    }
}
