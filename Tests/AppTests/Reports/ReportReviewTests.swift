import Fluent
import Foundation
import LanToaCore
import SQLKit
import Testing
import Vapor
@testable import App

@Suite("Report review: approval up the tiers, not received, the lock date and its exceptions, reminders, template versions")
struct ReportReviewTests {
    static let entries = ReportEntriesRequest(numbers: ["products_online": 4], texts: ["results": "Đã báo cáo"])

    @Test("A commune's report is approved only once its teams' reports are settled; the lock date needs an exception; reminders are written once",
          arguments: Engine.available)
    func approvalUpTheTiers(engine: Engine) async throws {
        let moving = MovableClock()
        moving.set("2026-10-20")
        try await TestApp.run(engine, config: { $0.clock = moving.clock }) { t in
            _ = try await t.account("xa", role: .commune, scope: Fixtures.communeA)
            _ = try await t.account("so", role: .province, scope: Fixtures.provinceA)
            var teams: [String] = []
            for i in 1...3 {
                let commune = try await ReportTests.login(t, "xa")
                let hamlet = try await t.hamlet("Thôn \(i)", in: Fixtures.communeA, token: commune)
                teams.append(try await t.team(for: hamlet, token: commune))
                _ = try await t.account("tt\(i)", role: .leader, scope: hamlet)
            }

            // Two days before the deadline (3 November): every leader is reminded, once however often the job runs.
            moving.set("2026-11-01")
            #expect(try await ReportReminders.run(today: t.app.clock.today(), on: t.app.db) == 3)
            #expect(try await ReportReminders.run(today: t.app.clock.today(), on: t.app.db) == 0)
            let reminders = try await OutboxMessage.query(on: t.app.db).all()
            #expect(reminders.allSatisfy { $0.status == "pending" && $0.message.hasPrefix("Nhắc nộp báo cáo: Báo cáo tháng của Tổ CNSCĐ kỳ 2026-10") })

            moving.set("2026-11-02")
            let early = try await t.send(.POST, ReportTests.path(teams[1], "2026-10") + "/exception", token: try await ReportTests.login(t, "xa"),
                                         json: ReportReasonRequest(reason: "Sớm", until: "2026-11-20"))
            #expect(early.status == .conflict && early.text.contains("error.report_not_locked"))
            let first = try await t.send(.POST, ReportTests.path(teams[0], "2026-10") + "/submit", token: try await ReportTests.login(t, "tt1"), json: Self.entries)
            #expect(first.status == .ok)
            // On the deadline, only the two still waiting are reminded again; the commune's own report too (its deadline is 5 November).
            moving.set("2026-11-03")
            #expect(try await ReportReminders.run(today: t.app.clock.today(), on: t.app.db) == 3)

            // After the lock date (13 November) entry needs an exception from the commune, with a reason and an end.
            moving.set("2026-11-16")
            let leader3 = try await ReportTests.login(t, "tt3")
            let locked = try await t.send(.POST, ReportTests.path(teams[2], "2026-10") + "/submit", token: leader3, json: Self.entries)
            #expect(locked.status == .conflict && locked.text.contains("error.report_closed"))
            let commune = try await ReportTests.login(t, "xa")
            let noEnd = try await t.send(.POST, ReportTests.path(teams[2], "2026-10") + "/exception", token: commune, json: ReportReasonRequest(reason: "Thôn bị lũ"))
            #expect(noEnd.status == .unprocessableEntity && noEnd.text.contains("\"until\""))
            #expect(try await t.send(.POST, ReportTests.path(teams[2], "2026-10") + "/exception", token: leader3,
                                     json: ReportReasonRequest(reason: "Tự cho phép", until: "2026-11-20")).status == .forbidden)
            let granted = try await t.send(.POST, ReportTests.path(teams[2], "2026-10") + "/exception", token: commune,
                                           json: ReportReasonRequest(reason: "Thôn bị lũ, mất sóng", until: "2026-11-20"))
            #expect(granted.status == .ok)
            #expect(try granted.decode(ReportResponse.self).exceptionUntil == "2026-11-20")
            let late = try await t.send(.POST, ReportTests.path(teams[2], "2026-10") + "/submit", token: leader3, json: Self.entries)
            #expect(late.status == .ok)
            #expect(try late.decode(ReportResponse.self).onTime == false)
            #expect(try await AuditEntry.query(on: t.app.db).filter(\.$entity == "report_exception").count() == 1)

            // The commune's own report, which sums its teams' approved reports.
            let own = "/api/v1/reports/xa_thang/2026-10/\(Fixtures.communeA)"
            let exception = try await t.send(.POST, own + "/exception", token: try await t.account("quan-tri", role: .admin, scope: nil),
                                             json: ReportReasonRequest(reason: "Xã chậm", until: "2026-11-20"))
            #expect(exception.status == .forbidden)
            let provinceToken = try await ReportTests.login(t, "so")
            #expect(try await t.send(.POST, own + "/exception", token: provinceToken, json: ReportReasonRequest(reason: "Xã chậm", until: "2026-11-20")).status == .ok)
            let ownSubmitted = try await t.send(.POST, own + "/submit", token: commune, json: ReportEntriesRequest(
                numbers: ["trainings_held": 2], texts: ["results": "Tập huấn 2 lớp"]))
            #expect(ownSubmitted.status == .ok, "\(ownSubmitted.text)")
            let unsettled = try await t.send(.POST, own + "/approve", token: provinceToken, json: ReportReasonRequest())
            #expect(unsettled.status == .conflict && unsettled.text.contains("error.children_unsettled"))

            // The commune settles its teams: two approved, one with no report, with a reason.
            for i in [0, 2] { #expect(try await t.send(.POST, ReportTests.path(teams[i], "2026-10") + "/approve", token: commune, json: ReportReasonRequest()).status == .ok) }
            let noReason = try await t.send(.POST, ReportTests.path(teams[1], "2026-10") + "/not-received", token: commune, json: ReportReasonRequest())
            #expect(noReason.status == .unprocessableEntity)
            let marked = try await t.send(.POST, ReportTests.path(teams[1], "2026-10") + "/not-received", token: commune,
                                          json: ReportReasonRequest(reason: "Tổ trưởng nằm viện cả tháng"))
            #expect(try marked.decode(ReportResponse.self).status == .notReceived)
            let approved = try await t.send(.POST, own + "/approve", token: provinceToken, json: ReportReasonRequest())
            let ownReport = try approved.decode(ReportResponse.self)
            #expect(ownReport.status == .approved)
            #expect(ownReport.included?.approved == 2 && ownReport.included?.settled == 3 && ownReport.included?.numbers["products_online"] == 8)

            let table = try await t.send(.GET, "/api/v1/reports?template=to_thang&period=2026-10", token: commune).decode(ReportReviewResponse.self)
            #expect(table.slots.map(\.status).sorted { $0.rawValue < $1.rawValue } == [.approved, .approved, .notReceived])
            #expect(table.missing.isEmpty && table.reminders.count == 5)

            // Approval is undone from the top: a team's report waits until the ministry has reopened the commune's.
            let blocked = try await t.send(.POST, ReportTests.path(teams[0], "2026-10") + "/reopen", token: provinceToken,
                                           json: ReportReasonRequest(reason: "Đối chiếu lại"))
            #expect(blocked.status == .conflict && blocked.text.contains("error.report_parent_approved"))
            #expect(try await ReportRecord.query(on: t.app.db).filter(\.$state == .approved).count() == 3)
            let ministry = try await t.account("bo", role: .admin, scope: nil)
            #expect(try await t.send(.POST, own + "/reopen", token: ministry, json: ReportReasonRequest(reason: "Đối chiếu lại")).status == .ok)
            let reopened = try await t.send(.POST, ReportTests.path(teams[0], "2026-10") + "/reopen", token: provinceToken,
                                            json: ReportReasonRequest(reason: "Đối chiếu lại"))
            #expect(try reopened.decode(ReportResponse.self).status == .returned)
        }
    }

    @Test("A campaign's template: its dates are the one period, open from its first day, fixed once it starts, closed and counted after it",
          arguments: Engine.available)
    func campaignTemplate(engine: Engine) async throws {
        let moving = MovableClock()
        moving.set("2026-10-25")
        try await TestApp.run(engine, config: { $0.clock = moving.clock }) { t in
            let province = try await t.account("so", role: .province, scope: Fixtures.provinceA)
            struct Campaign: Encodable {
                var name = "Cao điểm VNeID nửa đầu tháng 11"
                var start = "2026-11-01"
                var end = "2026-11-15"
                var owner = Fixtures.provinceA
                var units: [String] = []
                var targets = [["indicator": "vneid_level2.done", "value": 500] as [String: AnyEncodable]]
            }
            let created = try await t.send(.POST, "/api/v1/campaigns", token: province, json: Campaign())
            #expect(created.status == .created, "\(created.text)")
            let campaign = try created.decode(CampaignResponse.self).id.uuidString
            var request = ReportTemplateRequest(code: "cao_diem_vneid", province: Fixtures.provinceA, name: "Báo cáo đợt cao điểm VNeID", cycle: "campaign",
                                                deadlineDays: 3, lockDays: 10, reporter: "commune",
                                                fields: [.init(code: "so_buoi", kind: .number, name: "Số buổi ra quân", nameEn: "Outreach days", required: true)])
            let missing = try await t.send(.POST, "/api/v1/report-templates", token: province, json: request)
            #expect(missing.status == .unprocessableEntity && missing.text.contains("\"campaign\""))
            request.campaign = UUID().uuidString
            let unknown = try await t.send(.POST, "/api/v1/report-templates", token: province, json: request)
            #expect(unknown.status == .unprocessableEntity && unknown.text.contains("error.unknown_campaign"))
            request.campaign = campaign
            let v1 = try await t.send(.POST, "/api/v1/report-templates", token: province, json: request).decode(ReportTemplateResponse.self)
            #expect(v1.cycle.rawValue == "campaign:2026-11-01..2026-11-15" && v1.effectiveFrom == "2026-11-01")
            // Before the campaign starts it may still change; the change applies to its one period.
            request.fields!.append(.init(code: "ghi_chu", kind: .text, name: "Ghi chú", nameEn: "Notes"))
            let v2 = try await t.send(.POST, "/api/v1/report-templates", token: province, json: request).decode(ReportTemplateResponse.self)
            #expect(v2.version == 2 && v2.effectiveFrom == "2026-11-01")
            // The cycle as the API returns it names the same campaign for a new version, never a new template.
            var sentBack = request
            (sentBack.cycle, sentBack.campaign) = (v2.cycle.rawValue, nil)
            let v3 = try await t.send(.POST, "/api/v1/report-templates", token: province, json: sentBack).decode(ReportTemplateResponse.self)
            #expect(v3.version == 3 && v3.cycle == v2.cycle)
            sentBack.code = "cao_diem_khac"
            let invented = try await t.send(.POST, "/api/v1/report-templates", token: province, json: sentBack)
            #expect(invented.status == .unprocessableEntity && invented.text.contains("\"cycle\""))
            let commune = try await t.account("xa", role: .commune, scope: Fixtures.communeA)
            let path = "/api/v1/reports/cao_diem_vneid/2026-11-01..2026-11-15/\(Fixtures.communeA)"
            let before = try await t.send(.GET, path, token: commune).decode(ReportResponse.self)
            #expect(before.version == 3 && before.fields.count == 2 && !before.actions.submit && before.status == .notYetDue)
            let month = try await t.send(.GET, "/api/v1/reports/cao_diem_vneid/2026-11/\(Fixtures.communeA)", token: commune)
            #expect(month.status == .unprocessableEntity && month.text.contains("\"period\""))

            moving.set("2026-11-10")
            let xa = try await ReportTests.login(t, "xa")
            let sent = try await t.send(.POST, path + "/submit", token: xa, json: ReportEntriesRequest(numbers: ["so_buoi": 6], texts: nil))
            #expect(sent.status == .ok, "\(sent.text)")
            #expect(try sent.decode(ReportResponse.self).onTime == true)
            moving.set("2026-11-17")
            let so = try await ReportTests.login(t, "so")
            let started = try await t.send(.POST, "/api/v1/report-templates", token: so, json: request)
            #expect(started.status == .conflict && started.text.contains("error.template_started"))
            var late = request
            late.code = "cao_diem_muon"
            let over = try await t.send(.POST, "/api/v1/report-templates", token: so, json: late)
            #expect(over.status == .conflict && over.text.contains("error.campaign_over"))
            // After its last day the period closes: every commune of the province in force then is expected, one has reported.
            #expect(try await ReportSlots.closeEnded(today: t.app.clock.today(), on: t.app.db) >= 1)
            #expect(try await ReportSlots.closeEnded(today: t.app.clock.today(), on: t.app.db) == 0)
            let provinceUnit = try #require(try await Unit.query(on: t.app.db).filter(\.$code == Fixtures.provinceA).filter(\.$tier == .province)
                .filter(\.$validFrom <= "2026-11-15").filter(\.$validTo >= "2026-11-15").first())
            let communes = try await Unit.query(on: t.app.db).filter(\.$tier == .commune).filter(\.$validFrom <= "2026-11-15")
                .filter(\.$validTo >= "2026-11-15").under(provinceUnit.path, \.$path).count()
            let table = try await t.send(.GET, "/api/v1/reports?template=cao_diem_vneid&period=2026-11-01..2026-11-15&unit=\(Fixtures.provinceA)", token: so)
                .decode(ReportReviewResponse.self)
            #expect(table.closed && table.counts.expected == communes && table.counts.received == 1 && table.counts.onTime == 1 && communes > 1)
            #expect(table.slots.count == communes && table.missing.count == communes - 1)
        }
    }

    @Test("A province's template: a new version applies from the next period, and past reports keep theirs", arguments: Engine.available)
    func templateVersions(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let province = try await t.account("so", role: .province, scope: Fixtures.provinceA)
            var request = ReportTemplateRequest(code: "ha_noi_thang", province: Fixtures.provinceA, name: "Báo cáo chuyển đổi số tháng", cycle: "month",
                                                deadlineDays: 5, reporter: "commune",
                                                fields: [.init(code: "so_lop", kind: .number, name: "Số lớp", nameEn: "Classes", required: true),
                                                         .init(code: "so_hoc_vien", kind: .number, name: "Số học viên", nameEn: "Learners")],
                                                rules: [ReportRule(code: "lop_it_hon_hoc_vien", kind: .atMost, left: "so_lop", right: "so_hoc_vien")])
            let bad = try await t.send(.POST, "/api/v1/report-templates", token: province, json: ReportTemplateRequest(
                code: "Sai Mã", province: Fixtures.provinceA, name: "", cycle: "daily", deadlineDays: 90, reporter: "team",
                fields: [.init(code: "x", kind: .figure, name: "X", nameEn: "X", indicator: "no_such")]))
            #expect(bad.status == .unprocessableEntity)
            for field in ["code", "name", "cycle", "deadlineDays", "fields[0].indicator"] { #expect(bad.text.contains("\"\(field)\""), "\(field)") }
            let v1 = try await t.send(.POST, "/api/v1/report-templates", token: province, json: request).decode(ReportTemplateResponse.self)
            #expect(v1.version == 1 && v1.effectiveFrom == "2026-11-01")
            request.fields!.append(.init(code: "ghi_chu", kind: .text, name: "Ghi chú", nameEn: "Notes"))
            let v2 = try await t.send(.POST, "/api/v1/report-templates", token: province, json: request).decode(ReportTemplateResponse.self)
            #expect(v2.version == 2 && v2.effectiveFrom == "2026-12-01")
            request.reporter = "team"
            #expect(try await t.send(.POST, "/api/v1/report-templates", token: province, json: request).status == .conflict)
            let commune = try await t.account("xa", role: .commune, scope: Fixtures.communeA)
            let november = try await t.send(.GET, "/api/v1/reports/ha_noi_thang/2026-11/\(Fixtures.communeA)", token: commune).decode(ReportResponse.self)
            let december = try await t.send(.GET, "/api/v1/reports/ha_noi_thang/2026-12/\(Fixtures.communeA)", token: commune).decode(ReportResponse.self)
            #expect(november.version == 1 && november.fields.map(\.code) == ["so_lop", "so_hoc_vien"])
            #expect(december.version == 2 && december.fields.map(\.code) == ["so_lop", "so_hoc_vien", "ghi_chu"] && !december.actions.submit)
            // More classes than learners: a named warning to the reporter and a count on the province's review table.
            let sent = try await t.send(.POST, "/api/v1/reports/ha_noi_thang/2026-11/\(Fixtures.communeA)/submit", token: commune,
                                        json: ReportEntriesRequest(numbers: ["so_lop": 5, "so_hoc_vien": 3], texts: nil))
            #expect(try sent.decode(ReportResponse.self).warnings == [ReportWarning(rule: "lop_it_hon_hoc_vien", field: "so_lop")])
            let table = try await t.send(.GET, "/api/v1/reports?template=ha_noi_thang&period=2026-11&unit=\(Fixtures.provinceA)", token: province)
                .decode(ReportReviewResponse.self)
            #expect(table.slots.first { $0.reporter.key == Fixtures.communeA }?.warnings == 1)
            #expect(table.slots.filter { $0.warnings > 0 }.count == 1)
            // The count is kept on the report at submission; a database from before that gets it from the migration.
            // One connection: another SQLite connection would parse the second statement against its cached schema.
            try await t.app.db.withConnection { db in
                try await AddReportWarnings().revert(on: db)
                try await AddReportWarnings().prepare(on: db)
            }
            let rebuilt = try await t.send(.GET, "/api/v1/reports?template=ha_noi_thang&period=2026-11&unit=\(Fixtures.provinceA)", token: province)
                .decode(ReportReviewResponse.self)
            #expect(rebuilt.slots.map(\.warnings) == table.slots.map(\.warnings))
            // Another province's commune neither sees nor reports on it.
            let other = try await t.account("xa-b", role: .commune, scope: Fixtures.communeB)
            #expect(try await t.send(.GET, "/api/v1/reports/ha_noi_thang/2026-11/\(Fixtures.communeB)", token: other).status == .unprocessableEntity)
            let listed = try await t.send(.GET, "/api/v1/report-templates", token: other).decode([ReportTemplateResponse].self)
            #expect(listed.map(\.code) == ["tinh_thang", "to_thang", "xa_thang"])
        }
    }
}
