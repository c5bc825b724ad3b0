import Fluent
import Foundation
import LanToaCore
import Testing
import Vapor
@testable import App

@Suite("Early warnings become tasks, told once through the outbox, and close when their condition clears")
struct WarningsTests {
    static func tasks(_ t: TestApp, _ token: String) async throws -> [WarningResponse] {
        let reply = try await t.send(.GET, "/api/v1/tasks", token: token)
        guard reply.status == .ok else { throw TestFailure("tasks: \(reply.status) \(reply.text)") }
        return try reply.decode([WarningResponse].self)
    }

    static func support(_ t: TestApp, _ v: (commune: String, hamlet: String, leader: String, residents: [UUID]), on day: String) async throws {
        var batch = OutreachTests.Batch()
        var activity = OutreachTests.Batch.Activity(id: UUID(), resident: v.residents[0], service: "safe_internet", outcome: "done")
        activity.on = day
        batch.activities = [activity]
        let reply = try await t.send(.POST, "/api/v1/sync", token: v.leader, json: batch)
        guard reply.status == .ok, try reply.decode(SyncResponse.self).rejected == 0 else { throw TestFailure("support: \(reply.text)") }
    }

    @Test("An idle team appears with a task for its leader; a recent support clears it; composition and plan warnings come after their grace",
          arguments: Engine.available)
    func idleTeamTaskClearsWithASupport(engine: Engine) async throws {
        let moving = MovableClock()
        moving.set("2026-11-22")
        try await TestApp.run(engine, config: { $0.clock = moving.clock }) { t in
            let v = try await OutreachTests.village(t)
            let team = try #require(UUID(uuidString: try await t.team(for: v.hamlet, token: v.commune)))
            #expect(try await t.member(team.uuidString, name: "Lê Văn An", phone: "0912000111", role: "leader", token: v.commune).status == .created)
            let province = try await t.account("so", role: .province, scope: Fixtures.provinceA)
            let settings = WarningSettingsRequest(idleDays: 10, noncompliantDays: 30, untrainedAfterDays: 365, planPercent: 80, unansweredDays: 3)
            let refused = try await t.send(.PUT, "/api/v1/units/\(Fixtures.provinceA)/warning-settings", token: v.commune, json: settings)
            #expect(refused.status == .forbidden)
            let bad = try await t.send(.PUT, "/api/v1/units/\(Fixtures.provinceA)/warning-settings", token: province,
                                       json: WarningSettingsRequest(idleDays: 0, noncompliantDays: 30, untrainedAfterDays: 365, planPercent: 80, unansweredDays: 3))
            #expect(bad.status == .unprocessableEntity && bad.text.contains("idleDays"))
            #expect(try await t.send(.PUT, "/api/v1/units/\(Fixtures.provinceA)/warning-settings", token: province, json: settings).status == .ok)

            // Never a support since its founding: idle; its leader's task, told once however often the list is read.
            let list = try await t.send(.GET, "/api/v1/warnings?unit=\(Fixtures.communeA)", token: v.commune).decode(WarningListResponse.self)
            #expect(list.items.filter { $0.kind == .teamIdle }.map(\.subject) == [team] && list.settings == WarningService.response(.init(
                idleDays: 10, noncompliantDays: 30, untrainedAfterDays: 365, planPercent: 80, unansweredDays: 3)))
            #expect(try await Self.tasks(t, v.leader).map(\.kind) == [.teamIdle])
            #expect(try await Self.tasks(t, v.leader).map(\.kind) == [.teamIdle])
            let told = try await t.send(.GET, "/api/v1/notifications", token: v.leader).decode([NotificationResponse].self)
            #expect(told.filter { $0.kind == "warning_task" }.count == 1 && told.allSatisfy { !$0.read })
            // The commune's composition finding waits for its grace period; nothing is behind plan without a target.
            #expect(try await Self.tasks(t, v.commune).isEmpty)

            // A support 17 days ago leaves it idle; one 2 days ago clears it, and the warning is closed.
            try await Self.support(t, v, on: "2026-11-05")
            let still = try await Self.tasks(t, v.leader)
            #expect(still.map(\.kind) == [.teamIdle] && still[0].detail.contains("05/11/2026"))
            try await Self.support(t, v, on: "2026-11-20")
            #expect(try await Self.tasks(t, v.leader).isEmpty)
            let closed = try await EarlyWarning.query(on: t.app.db).filter(\.$kind == .teamIdle).all()
            #expect(closed.count == 1 && closed[0].closedOn == "2026-11-22")

            // A month later: idle again (a new warning), the team still short of members past the grace, and the commune
            // far under its yearly target pro rata.
            let target = try await t.send(.PUT, "/api/v1/targets", token: province, json: SetTargetRequest(
                unit: Fixtures.communeA, indicator: "safe_internet.done", period: "2026", value: 1000, reason: nil))
            #expect(target.status == .ok, "\(target.text)")
            moving.set("2026-12-23")
            // A month on, the morning's tokens have long expired: both sign in again.
            func signIn(_ login: String) async throws -> String {
                try #require(try await t.send(.POST, "/api/v1/auth/login", json: ["login": login, "password": "mat-khau-123"]).json()["token"] as? String)
            }
            let leader = try await signIn("to-truong"), communeToken = try await signIn("xa")
            #expect(try await Self.tasks(t, leader).map(\.kind) == [.teamIdle])
            let commune = try await Self.tasks(t, communeToken)
            #expect(Set(commune.map(\.kind)) == [.teamNoncompliant, .behindPlan])
            #expect(commune.first { $0.kind == .behindPlan }?.detail.contains("đạt 2 / chỉ tiêu năm 1.000") == true)
            #expect(try await EarlyWarning.query(on: t.app.db).filter(\.$kind == .teamIdle).count() == 2)

            // The leader's page of tasks and messages; opening it marks the messages read.
            let web = try await WebSession.signIn(t, login: "to-truong", password: "mat-khau-123")
            let page = try await web.send(.GET, "/notifications")
            #expect(page.status == .ok && page.text.contains("Tổ không hoạt động") && page.text.contains("Cảnh báo sớm: Tổ CNSCĐ"))
            let read = try await t.send(.GET, "/api/v1/notifications", token: leader).decode([NotificationResponse].self)
            #expect(read.count == 2 && read.allSatisfy { $0.read })
            let official = try await WebSession.signIn(t, login: "xa", password: "mat-khau-123")
            let warningsPage = try await official.send(.GET, "/warnings")
            #expect(warningsPage.text.contains("Chậm so với kế hoạch") && warningsPage.text.contains(#"id="idle-days""#))
            // The dashboard and the remind list link to them with their count.
            #expect(try await official.send(.GET, "/dashboard?unit=\(Fixtures.communeA)").text.contains("Cảnh báo sớm: 3"))
            #expect(try await official.send(.GET, "/rankings?unit=\(Fixtures.communeA)").text.contains("Cảnh báo sớm: 3"))
        }
    }
}
