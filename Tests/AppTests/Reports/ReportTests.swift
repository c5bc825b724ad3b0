import Fluent
import Foundation
import LanToaCore
import NIOConcurrencyHelpers
import SQLKit
import Testing
import Vapor
@testable import App

/// A clock the test moves from day to day (9:00 in Vietnam on each day set).
final class MovableClock: Sendable {
    private let day = NIOLockedValueBox<LocalDate>(testToday)

    var clock: AppClock {
        AppClock(now: { [day] in
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = AppClock.vietnam
            let d = day.withLockedValue { $0 }
            return calendar.date(from: DateComponents(year: d.year, month: d.month, day: d.day, hour: 9))!
        }, timeZone: AppClock.vietnam)
    }

    func set(_ date: String) { day.withLockedValue { $0 = LocalDate(date)! } }
}

@Suite("Periodic reports: pre-filled, submitted, returned, approved and locked; completeness that never moves or passes 100 %")
struct ReportTests {
    static func path(_ team: String, _ period: String = "2026-11", template: String = "to_thang") -> String {
        "/api/v1/reports/\(template)/\(period)/\(team)"
    }

    static func login(_ t: TestApp, _ login: String) async throws -> String {
        let reply = try await t.send(.POST, "/api/v1/auth/login", json: ["login": login, "password": "mat-khau-123"])
        guard let token = try reply.json()["token"] as? String else { throw TestFailure("login \(login): \(reply.text)") }
        return token
    }

    @Test("A leader's monthly report arrives pre-filled, is returned with a reason, resubmitted, approved and locked; its typed value shows on the commune's dashboard",
          arguments: Engine.available)
    func reportRoundTrip(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let v = try await OutreachTests.village(t)
            let team = try await t.team(for: v.hamlet, token: v.commune)
            // Three supports done in November, by the leader's phone.
            var batch = OutreachTests.Batch()
            batch.activities = v.residents.prefix(3).map { .init(id: UUID(), resident: $0, service: "vneid_level2", outcome: "done") }
            let synced = try await t.send(.POST, "/api/v1/sync", token: v.leader, json: batch)
            #expect(synced.status == .ok)
            let before = try DashboardTests.indicator(try await DashboardTests.dashboard(t, unit: Fixtures.communeA, period: "2026-11", token: v.commune),
                                                      "products_online").actual

            let fresh = try await t.send(.GET, Self.path(team), token: v.leader).decode(ReportResponse.self)
            #expect(fresh.status == .notYetDue && fresh.revision == 0 && fresh.actions.submit && !fresh.actions.review)
            // Two of the three count: the child is too young for VNeID. Every figure is the hamlet's dashboard figure.
            #expect(fresh.figures["supports_vneid"] == 2, "\(fresh.figures)")
            let hamletBoard = try await DashboardTests.dashboard(t, unit: v.hamlet, period: "2026-11", token: v.commune)
            for (field, indicator) in [("supports_vneid", "vneid_level2.done"), ("residents", "residents"), ("households_visited", "households_visited")] {
                #expect(fresh.figures[field] == (try DashboardTests.indicator(hamletBoard, indicator).actual), "\(field)")
            }
            #expect(fresh.deadline == "2026-12-03" && fresh.lockDate == "2026-12-13")
            // The phone app's list: this month and October (September is before the national templates), for the
            // leader its team's, for the commune its own.
            let mine = try await t.send(.GET, "/api/v1/reports/mine", token: v.leader).decode([ReportResponse].self)
            #expect(mine.map { "\($0.template) \($0.period) \($0.reporter.key)" } == ["to_thang 2026-11 \(team.lowercased())", "to_thang 2026-10 \(team.lowercased())"])
            let communes = try await t.send(.GET, "/api/v1/reports/mine", token: v.commune).decode([ReportResponse].self)
            #expect(communes.map { "\($0.template) \($0.period) \($0.reporter.key)" } == ["xa_thang 2026-11 \(Fixtures.communeA)", "xa_thang 2026-10 \(Fixtures.communeA)"])

            let draft = try await t.send(.PUT, Self.path(team), token: v.leader, json: ReportEntriesRequest(numbers: ["products_online": 12], texts: nil))
            #expect(draft.status == .ok)
            let missing = try await t.send(.POST, Self.path(team) + "/submit", token: v.leader,
                                           json: ReportEntriesRequest(numbers: ["products_online": 12, "phones": 2], texts: nil))
            #expect(missing.status == .unprocessableEntity && missing.text.contains("numbers.phones") && missing.text.contains("texts.results"))
            let submitted = try await t.send(.POST, Self.path(team) + "/submit", token: v.leader,
                                             json: ReportEntriesRequest(numbers: ["products_online": 12], texts: ["results": "Hỗ trợ 3 người dân kích hoạt VNeID"]))
            #expect(submitted.status == .ok)
            #expect(try submitted.decode(ReportResponse.self).status == .submitted)
            #expect(try await t.send(.PUT, Self.path(team), token: v.leader, json: ReportEntriesRequest(numbers: [:], texts: nil)).status == .conflict)
            #expect(try await t.send(.POST, Self.path(team) + "/approve", token: v.leader, json: ReportReasonRequest()).status == .forbidden)

            let noReason = try await t.send(.POST, Self.path(team) + "/return", token: v.commune, json: ReportReasonRequest(reason: "  "))
            #expect(noReason.status == .unprocessableEntity && noReason.text.contains("\"reason\""))
            let returned = try await t.send(.POST, Self.path(team) + "/return", token: v.commune,
                                            json: ReportReasonRequest(reason: "Số sản phẩm chưa khớp sổ theo dõi của thôn"))
            #expect(returned.status == .ok)
            let seen = try await t.send(.GET, Self.path(team), token: v.leader).decode(ReportResponse.self)
            #expect(seen.status == .returned && seen.reason == "Số sản phẩm chưa khớp sổ theo dõi của thôn" && seen.actions.submit)

            let again = try await t.send(.POST, Self.path(team) + "/submit", token: v.leader,
                                         json: ReportEntriesRequest(numbers: ["products_online": 15], texts: ["results": "Đã sửa theo sổ"]))
            #expect(try again.decode(ReportResponse.self).revision == 2)
            let approved = try await t.send(.POST, Self.path(team) + "/approve", token: v.commune, json: ReportReasonRequest())
            let report = try approved.decode(ReportResponse.self)
            #expect(report.status == .approved && report.numbers["products_online"] == 15)
            #expect(report.history.map(\.kind) == ["saved", "submitted", "returned", "resubmitted", "approved"])

            // Locked everywhere: the API and the page.
            for (method, suffix) in [(HTTPMethod.PUT, ""), (.POST, "/submit")] {
                let refused = try await t.send(method, Self.path(team) + suffix, token: v.leader, json: ReportEntriesRequest(numbers: ["products_online": 1], texts: nil))
                #expect(refused.status == .conflict && refused.text.contains("error.report_locked"))
            }
            let page = try await WebSession.signIn(t, login: "to-truong", password: "mat-khau-123")
            let pageReply = try await page.send(.POST, "/reports/to_thang/2026-11/\(team)", form: ["numbers[products_online]": "1", "action": "submit"])
            #expect(pageReply.status == .conflict && pageReply.text.contains("báo cáo đã được duyệt và bị khóa"))
            let commune = try await DashboardTests.dashboard(t, unit: Fixtures.communeA, period: "2026-11", token: v.commune)
            #expect(try DashboardTests.indicator(commune, "products_online").actual == before + 15)

            // Reopening: not by the commune that approved, by the province with a reason; the value is taken back.
            #expect(try await t.send(.POST, Self.path(team) + "/reopen", token: v.commune, json: ReportReasonRequest(reason: "Sai")).status == .forbidden)
            let province = try await t.account("so", role: .province, scope: Fixtures.provinceA)
            let reopened = try await t.send(.POST, Self.path(team) + "/reopen", token: province, json: ReportReasonRequest(reason: "Thanh tra yêu cầu đối chiếu"))
            #expect(try reopened.decode(ReportResponse.self).status == .returned)
            let after = try await DashboardTests.dashboard(t, unit: Fixtures.communeA, period: "2026-11", token: v.commune)
            #expect(try DashboardTests.indicator(after, "products_online").actual == before)
            let audited = try await AuditEntry.query(on: t.app.db).filter(\.$entity == "report").count()
            #expect(audited == 5)

            // Another commune's account finds nothing.
            let other = try await t.account("xa-b", role: .commune, scope: Fixtures.communeB)
            #expect(try await t.send(.GET, Self.path(team), token: other).status == .notFound)
        }
    }

    @Test("10 teams expected, 7 reports of which 2 late: 70 % complete, 50 % on time; later foundings, extra reports and the rebuild change nothing",
          arguments: Engine.available)
    func completeness(engine: Engine) async throws {
        let moving = MovableClock()
        moving.set("2026-10-20")
        try await TestApp.run(engine, config: { $0.clock = moving.clock }) { t in
            let commune = try await t.account("xa", role: .commune, scope: Fixtures.communeA)
            var teams: [String] = []
            for i in 1...10 {
                let hamlet = try await t.hamlet("Thôn \(i)", in: Fixtures.communeA, token: commune)
                teams.append(try await t.team(for: hamlet, token: commune))
            }
            // One leader account over the commune's teams (a leader may be scoped to a commune), signed in again on
            // each day the clock moves to: tokens last 12 hours.
            _ = try await t.account("tt", role: .leader, scope: Fixtures.communeA)
            let entries = ReportEntriesRequest(numbers: ["products_online": 4], texts: ["results": "Đã báo cáo"])
            var leaderOn: (day: LocalDate, token: String)?
            func submit(_ i: Int) async throws {
                if leaderOn?.day != t.app.clock.today() { leaderOn = (t.app.clock.today(), try await Self.login(t, "tt")) }
                let reply = try await t.send(.POST, Self.path(teams[i], "2026-10") + "/submit", token: leaderOn!.token, json: entries)
                #expect(reply.status == .ok, "\(reply.text)")
            }
            // Five by the deadline (3 November), two after it.
            moving.set("2026-11-02")
            for i in 0..<5 { try await submit(i) }
            moving.set("2026-11-05")
            try await ReportSlots.closeEnded(today: t.app.clock.today(), on: t.app.db)
            moving.set("2026-11-09")
            try await submit(5)
            // The seventh as a kept draft sent twice at once (a double tap): one submission lands, the other is refused.
            let token = try await Self.login(t, "tt")
            #expect(try await t.send(.PUT, Self.path(teams[6], "2026-10"), token: token, json: entries).status == .ok)
            let seventh = Self.path(teams[6], "2026-10") + "/submit"
            let twice = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for _ in 0..<2 { group.addTask { try await t.send(.POST, seventh, token: token, json: entries).status } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(twice.sorted { $0.code < $1.code } == [.ok, .conflict])
            let officer = try await Self.login(t, "xa")
            func rates() async throws -> (Double, Double) {
                let board = try await DashboardTests.dashboard(t, unit: Fixtures.communeA, period: "2026-10", token: officer)
                return (try DashboardTests.indicator(board, "to_thang.complete").actual, try DashboardTests.indicator(board, "to_thang.on_time").actual)
            }
            #expect(try await rates() == (70, 50))
            let table = try await t.send(.GET, "/api/v1/reports?template=to_thang&period=2026-10", token: officer).decode(ReportReviewResponse.self)
            #expect(table.counts.expected == 10 && table.counts.received == 7 && table.counts.onTime == 5 && table.closed)
            #expect(table.missing.count == 3 && table.slots.filter { $0.status == .late }.count == 3)
            // The closed period's reporters are the ten teams, each in its hamlet.
            #expect(Set(table.slots.map(\.reporter.key)) == Set(teams.map { $0.lowercased() }))
            #expect(Set(table.slots.map(\.reporter.unit.name)) == Set((1...10).map { "Thôn \($0)" }))
            #expect(table.slots.allSatisfy { $0.reporter.unit.tier == .hamlet && !$0.reporter.name.isEmpty })
            // Each report's receipt and timeliness, read with its row: seven received, five of them on time, each on its day.
            let received = table.slots.compactMap(\.receivedAt).map { LocalDate($0, timeZone: AppClock.vietnam).iso }.sorted()
            #expect(received == Array(repeating: "2026-11-02", count: 5) + ["2026-11-09", "2026-11-09"])
            #expect(table.slots.filter { $0.onTime == true }.count == 5 && table.slots.filter { $0.onTime == false }.count == 2)

            // An eleventh team founded afterwards with a decision dated before October, and one of the ten dissolved:
            // October stays as it was.
            let hamlet = try await t.hamlet("Thôn 11", in: Fixtures.communeA, token: officer)
            let eleventh = try await t.team(for: hamlet, token: officer)
            let dissolved = try await t.send(.PATCH, "/api/v1/teams/\(teams[0])", token: officer, json: ["status": "dissolved", "date": "2026-10-15"])
            #expect(dissolved.status == .ok, "\(dissolved.text)")
            #expect(try await rates() == (70, 50))

            // Trying to pass 100 %: the eleventh team reports for October too (not expected), a returned report is sent
            // again, and the last three report: 100 %, never more.
            let extra = try await t.send(.POST, Self.path(eleventh, "2026-10") + "/submit", token: try await Self.login(t, "tt"), json: entries)
            #expect(extra.status == .ok)
            let back = try await t.send(.POST, Self.path(teams[1], "2026-10") + "/return", token: officer, json: ReportReasonRequest(reason: "Thiếu số liệu"))
            #expect(back.status == .ok)
            try await submit(1)
            for i in 7..<10 { try await submit(i) }
            #expect(try await rates() == (100, 50))
            // A received report returned and then marked not received stops counting (one of the five on time).
            #expect(try await t.send(.POST, Self.path(teams[2], "2026-10") + "/return", token: officer, json: ReportReasonRequest(reason: "Sai số")).status == .ok)
            #expect(try await t.send(.POST, Self.path(teams[2], "2026-10") + "/not-received", token: officer,
                                     json: ReportReasonRequest(reason: "Tổ không gửi lại")).status == .ok)
            #expect(try await rates() == (90, 40))
            let figures = try await DashboardTests.rollups(t.app.db)
            #expect(figures.contains { $0.contains("|reports.expected.to_thang|M2026-10|10") })
            try await CommandTests().run(RollupsCommand(), ["rebuild"], on: t.app)
            #expect(Set(try await DashboardTests.rollups(t.app.db)).symmetricDifference(figures).sorted() == [])
            #expect(try await rates() == (90, 40))
            // Reopened by the province, it counts again.
            let province = try await t.account("so", role: .province, scope: Fixtures.provinceA)
            #expect(try await t.send(.POST, Self.path(teams[2], "2026-10") + "/reopen", token: province, json: ReportReasonRequest(reason: "Tổ đã gửi bản giấy")).status == .ok)
            #expect(try await rates() == (100, 50))
        }
    }
}
