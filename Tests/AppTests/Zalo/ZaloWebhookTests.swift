import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
@testable import App
import ZaloFake

@Suite("Zalo's webhook: signatures, events handled once, a code that links, replies and short reports that become data")
struct ZaloWebhookTests {
    /// Waits (at most 20 s) for the server's own worker to send Zalo a message to `user` that says `text`.
    static func told(_ fake: FakeZalo, _ user: String, _ text: String) async throws -> FakeZalo.Sent? {
        for _ in 0..<400 {
            if let found = fake.sent.first(where: { $0.recipient == user && $0.text.contains(text) }) { return found }
            try await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    /// Runs `body` with the server's delivery worker running, as `serve` runs it.
    static func withWorker<T>(_ t: TestApp, _ body: () async throws -> T) async throws -> T {
        let worker = t.app.outboxWorker { $0.idle = .milliseconds(20) }
        let task = Task { await worker.run() }
        do {
            let result = try await body()
            task.cancel()
            await task.value
            return result
        } catch {
            task.cancel()
            await task.value
            throw error
        }
    }

    /// Links an account's Zalo the way a person does: Zalo on, the code from the page sent to the OA.
    static func link(_ t: TestApp, _ fake: FakeZalo, token: String, zaloUser: String) async throws {
        let channel = try await t.send(.PUT, "/api/v1/me/zalo", token: token, json: ["enabled": true]).decode(ZaloChannelResponse.self)
        let code = try #require(channel.linkCode)
        let (status, _) = try await fake.webhook(t.baseURL + "/zalo/webhook/\(Fixtures.provinceA)", event: "user_send_text", from: zaloUser,
                                                 text: code.lowercased().replacingOccurrences(of: "-", with: " "), at: t.app.clock.now(), client: t.client)
        #expect(status == .ok)
    }

    @Test("A wrong or stale signature is refused and nothing is recorded; an event sent twice is handled once; the code links the account",
          arguments: Engine.available)
    func signaturesAndLinking(engine: Engine) async throws {
        let fake = try await FakeZalo.start()
        do {
            let settings = try OutboxDeliveryTests.settings(fake)
            try await TestApp.run(engine, config: { $0.zalo = settings }) { t in try await Self.withWorker(t) {
                let v = try await OutreachTests.village(t)
                let hook = t.baseURL + "/zalo/webhook/\(Fixtures.provinceA)"
                let now = t.app.clock.now()
                let channel = try await t.send(.PUT, "/api/v1/me/zalo", token: v.leader, json: ["enabled": true]).decode(ZaloChannelResponse.self)
                #expect(channel.available && channel.enabled && !channel.linked && channel.province == Fixtures.provinceA && channel.oaID == "oa-01")
                let code = try #require(channel.linkCode)
                #expect(code.count == 11 && ZaloLinks.code(in: code) == code)

                let (forged, _) = try await fake.webhook(hook, event: "user_send_text", from: "zl-leader", text: code, at: now,
                                                         signedWith: "not-the-secret", client: t.client)
                #expect(forged == .unauthorized)
                let (stale, _) = try await fake.webhook(hook, event: "user_send_text", from: "zl-leader", text: code,
                                                        at: now.addingTimeInterval(-2 * 86_400), client: t.client)
                #expect(stale == .unauthorized)
                let (unknown, _) = try await fake.webhook(t.baseURL + "/zalo/webhook/99", event: "user_send_text", from: "zl-leader", text: code,
                                                          at: now, client: t.client)
                #expect(unknown == .notFound)
                #expect(try await ZaloEvent.query(on: t.app.db).count() == 0)
                #expect(try await t.send(.GET, "/api/v1/me/zalo", token: v.leader).decode(ZaloChannelResponse.self).linked == false)

                let (first, body) = try await fake.webhook(hook, event: "user_send_text", from: "zl-leader", text: code, messageID: "m-1",
                                                           at: now, client: t.client)
                #expect(first == .ok && body.contains("\"handled\""))
                let (second, again) = try await fake.webhook(hook, event: "user_send_text", from: "zl-leader", text: code, messageID: "m-1",
                                                             at: now, client: t.client)
                #expect(second == .ok && again.contains("\"duplicate\""))
                #expect(try await ZaloEvent.query(on: t.app.db).count() == 1)
                let linked = try await t.send(.GET, "/api/v1/me/zalo", token: v.leader).decode(ZaloChannelResponse.self)
                #expect(linked.linked && linked.followed && linked.linkCode == nil)
                // The OA says so on Zalo, once: the reply went through the outbox and the server's worker.
                #expect(try await Self.told(fake, "zl-leader", "Đã liên kết Zalo với tài khoản Lan Tỏa to-truong") != nil)
                #expect(fake.sent.filter { $0.recipient == "zl-leader" }.count == 1)

                // A code works for 30 minutes: an expired one links nothing, and the page offers a new one.
                let communeCode = try #require(try await t.send(.PUT, "/api/v1/me/zalo", token: v.commune, json: ["enabled": true])
                    .decode(ZaloChannelResponse.self).linkCode)
                let communeLink = try #require(try await ZaloLink.query(on: t.app.db).filter(\.$linkCode == communeCode).first())
                communeLink.linkCodeExpiresAt = t.app.clock.now().addingTimeInterval(-1)
                try await communeLink.save(on: t.app.db)
                let (_, expired) = try await fake.webhook(hook, event: "user_send_text", from: "zl-xa", text: communeCode, at: now, client: t.client)
                #expect(expired.contains("\"ignored\""))
                let communeChannel = try await t.send(.GET, "/api/v1/me/zalo", token: v.commune).decode(ZaloChannelResponse.self)
                #expect(!communeChannel.linked && communeChannel.linkCode == nil)
                let communePage = try await WebSession.signIn(t, login: "xa", password: "mat-khau-123").send(.GET, "/account/zalo")
                #expect(communePage.text.contains("id=\"zalo-code-expired\"") && communePage.text.contains("id=\"zalo-new-code\""))

                // Unfollowing shows on the account's page; following again clears it.
                _ = try await fake.webhook(hook, event: "unfollow", from: "zl-leader", at: now, client: t.client)
                #expect(try await t.send(.GET, "/api/v1/me/zalo", token: v.leader).decode(ZaloChannelResponse.self).followed == false)
                let session = try await WebSession.signIn(t, login: "to-truong", password: "mat-khau-123")
                #expect(try await session.send(.GET, "/account/zalo").text.contains("id=\"zalo-unfollowed\""))
                _ = try await fake.webhook(hook, event: "follow", from: "zl-leader", at: now.addingTimeInterval(1), client: t.client)
                #expect(try await t.send(.GET, "/api/v1/me/zalo", token: v.leader).decode(ZaloChannelResponse.self).followed)

                // A province without an OA: its accounts cannot turn Zalo on, and its settings page says why.
                let other = try await t.account("so-b", role: .province, scope: Fixtures.provinceB)
                let refused = try await t.send(.PUT, "/api/v1/me/zalo", token: other, json: ["enabled": true])
                #expect(refused.status == .conflict && refused.text.contains("\"field\":\"enabled\""))
                let provinces = try await t.send(.GET, "/api/v1/zalo/provinces", token: other).decode([ZaloProvinceResponse].self)
                #expect(provinces.map(\.province) == [Fixtures.provinceB] && provinces.first?.configured == false)
                #expect(try await t.send(.GET, "/api/v1/zalo/provinces", token: v.commune).status == .forbidden)
                // Province A's page: its OA, the webhook address to give Zalo, two accounts with Zalo on and one linked, the
                // messages of the week.
                _ = try await t.account("so-a", role: .province, scope: Fixtures.provinceA)
                let page = try await WebSession.signIn(t, login: "so-a", password: "mat-khau-123").send(.GET, "/zalo")
                #expect(page.status == .ok && page.text.contains("oa-01") && page.text.contains("/zalo/webhook/\(Fixtures.provinceA)"))
                #expect(page.text.contains("2 tài khoản bật Zalo, 1 đã liên kết") && page.text.contains("Đã gửi: 1"), "\(page.text)")
            } }
        } catch {
            try await fake.stop()
            throw error
        }
        try await fake.stop()
    }

    @Test("A commune's reply on Zalo to a difficulty becomes its answer in the next request; a leader's short report becomes a draft of the team's report",
          arguments: Engine.available)
    func repliesBecomeData(engine: Engine) async throws {
        let fake = try await FakeZalo.start()
        do {
            let settings = try OutboxDeliveryTests.settings(fake)
            try await TestApp.run(engine, config: { $0.zalo = settings }) { t in try await Self.withWorker(t) {
                let v = try await OutreachTests.village(t)
                let team = try await t.team(for: v.hamlet, token: v.commune)
                let hook = t.baseURL + "/zalo/webhook/\(Fixtures.provinceA)"
                try await Self.link(t, fake, token: v.leader, zaloUser: "zl-leader")
                try await Self.link(t, fake, token: v.commune, zaloUser: "zl-xa")

                // The leader raises a difficulty in the app; the commune is told on Zalo.
                let raised = try await t.send(.POST, "/api/v1/difficulties", token: v.leader,
                                              json: RaiseDifficultyRequest(id: UUID(), service: "vneid_level2", description: "Bà con không nhận được mã OTP khi kích hoạt VNeID", photo: nil))
                let difficulty = try raised.decode(DifficultyResponse.self)
                #expect(try await Self.told(fake, "zl-xa", "Vướng mắc mới") != nil)
                for _ in 0..<100 {
                    if try await OutboxMessage.query(on: t.app.db).filter(\.$kind == "difficulty_raised").filter(\.$status == "sent").count() == 1 { break }
                    try await Task.sleep(for: .milliseconds(50))
                }
                #expect(try await OutboxMessage.query(on: t.app.db).filter(\.$kind == "difficulty_raised").filter(\.$status == "sent").count() == 1)
                // The commune answers by replying on Zalo; the next request shows the answer.
                let answer = "Nhờ tổ hướng dẫn bà con kiểm tra sóng và chọn Gửi lại mã sau 2 phút."
                let (replied, _) = try await fake.webhook(hook, event: "user_send_text", from: "zl-xa", text: answer,
                                                          at: t.app.clock.now(), client: t.client)
                #expect(replied == .ok)
                let shown = try await t.send(.GET, "/api/v1/difficulties/\(difficulty.id)", token: v.leader).decode(DifficultyResponse.self)
                #expect(shown.status == .answered && shown.events.last?.kind == "answered" && shown.events.last?.text == answer)
                #expect(shown.events.last?.actor == "xa")
                // The leader is told on Zalo, and says it is solved.
                #expect(try await Self.told(fake, "zl-leader", "Vướng mắc của bạn đã được trả lời") != nil)
                for _ in 0..<100 {
                    if try await OutboxMessage.query(on: t.app.db).filter(\.$kind == "difficulty_answered").filter(\.$status == "sent").count() == 1 { break }
                    try await Task.sleep(for: .milliseconds(50))
                }
                #expect(try await OutboxMessage.query(on: t.app.db).filter(\.$kind == "difficulty_answered").filter(\.$status == "sent").count() == 1)
                _ = try await fake.webhook(hook, event: "user_send_text", from: "zl-leader", text: "Đã xong, cảm ơn xã", at: t.app.clock.now(), client: t.client)
                #expect(try await t.send(.GET, "/api/v1/difficulties/\(difficulty.id)", token: v.leader).decode(DifficultyResponse.self).status == .solved)

                // A report in short form: a draft of the team's November report, the figures named back, a link to submit.
                _ = try await fake.webhook(hook, event: "user_send_text", from: "zl-leader", text: "BC T11: SP 3, buổi 2, VNeID 12, chợ 5",
                                           at: t.app.clock.now(), client: t.client)
                let report = try await t.send(.GET, ReportTests.path(team), token: v.leader).decode(ReportResponse.self)
                #expect(report.numbers == ["products_online": 3, "sessions_held": 2] && report.revision == 0 && report.receivedAt == nil)
                let said = try #require(try await Self.told(fake, "zl-leader", "Đã ghi nháp báo cáo tháng 11/2026"))
                #expect(said.text.contains("VNeID") && said.text.contains("Chưa hiểu: chợ 5") && said.text.contains("/reports/to_thang/2026-11/\(team.lowercased())"), "\(said.text)")

                // A new difficulty in short form goes to the commune.
                _ = try await fake.webhook(hook, event: "user_send_text", from: "zl-leader", text: "VM DVC: Cổng dịch vụ công báo lỗi khi nộp hồ sơ",
                                           at: t.app.clock.now(), client: t.client)
                let mine = try await Difficulty.query(on: t.app.db).filter(\.$serviceCode == "public_service_account").all()
                #expect(mine.count == 1 && mine.first?.description == "Cổng dịch vụ công báo lỗi khi nộp hồ sơ")

                // Now two difficulties wait for the commune: a reply cannot say which, so neither is answered and the OA
                // says so.
                for _ in 0..<100 {
                    if try await OutboxMessage.query(on: t.app.db).filter(\.$kind == "difficulty_raised").filter(\.$status == "sent").count() == 2 { break }
                    try await Task.sleep(for: .milliseconds(50))
                }
                _ = try await t.send(.POST, "/api/v1/difficulties", token: v.leader,
                                     json: RaiseDifficultyRequest(id: UUID(), service: "vssid", description: "Không đăng nhập được VssID", photo: nil))
                for _ in 0..<100 {
                    if try await OutboxMessage.query(on: t.app.db).filter(\.$kind == "difficulty_raised").filter(\.$status == "sent").count() == 3 { break }
                    try await Task.sleep(for: .milliseconds(50))
                }
                _ = try await fake.webhook(hook, event: "user_send_text", from: "zl-xa", text: "Đã hướng dẫn bà con cài lại ứng dụng",
                                           at: t.app.clock.now(), client: t.client)
                #expect(try await Self.told(fake, "zl-xa", "Bạn đang có 2 vướng mắc chờ xử lý") != nil)
                #expect(try await Difficulty.query(on: t.app.db).filter(\.$status == .open).count() == 2)
            } }
        } catch {
            try await fake.stop()
            throw error
        }
        try await fake.stop()
    }

    @Test("The short forms: a report's month and year, its typed numbers and figures; a difficulty's service")
    func shortForms() throws {
        let form = try #require(ZaloReportForm("bc t11: SP 3, ĐT 1, buổi 2, VNeID 12, DVC 5", today: testToday))
        #expect(form.period == "2026-11" && form.numbers == ["products_online": 3, "phones_donated": 1, "sessions_held": 2])
        #expect(form.figures.map(\.field) == ["supports_vneid", "supports_public_service"] && form.unknown.isEmpty)
        #expect(ZaloReportForm("BC T12: SP 1", today: testToday)?.period == "2025-12")
        #expect(ZaloReportForm("BC T10/2026: SP 1", today: testToday)?.period == "2026-10")
        #expect(ZaloReportForm("BC T13: SP 1", today: testToday) == nil)
        #expect(ZaloReportForm("Báo cáo tốt", today: testToday) == nil)
        #expect(ZaloLinks.code(in: " lt-7kq9m2xa ") == "LT-7KQ9M2XA" && ZaloLinks.code(in: "LT 7KQ9M2X0") == nil && ZaloLinks.code(in: "LT-123456") == nil)
        #expect(ZaloInbound.saysSolved("Đã xong, cảm ơn xã ạ") && ZaloInbound.saysSolved("ok"))
        #expect(!ZaloInbound.saysSolved("Cảm ơn nhưng vẫn lỗi") && !ZaloInbound.saysSolved("alo") && !ZaloInbound.saysSolved("Đã"))
        let services = [("vneid_level2", "Kích hoạt VNeID mức 2"), ("public_service_account", "Tài khoản Cổng Dịch vụ công quốc gia"),
                        ("ehealth_book", "Sổ sức khoẻ điện tử")]
        #expect(ZaloDifficultyForm("VM VNeID: lỗi")?.service(among: services) == "vneid_level2")
        #expect(ZaloDifficultyForm("vm sổ sức khỏe: lỗi")?.service(among: services) == "ehealth_book")
        #expect(ZaloDifficultyForm("VM: lỗi") == nil)
    }
}
