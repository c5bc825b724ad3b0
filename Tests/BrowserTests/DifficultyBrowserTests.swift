import Fluent
import Foundation
import Testing
@testable import App
@testable import AppTests

extension PhoneAppTests {
    @Test("A member reads a notice on the app's home, raises a difficulty offline; online it reaches the commune; answered by the province, the answer shows")
    func offlineDifficultyIsAnswered() async throws {
        try await TestApp.run(.sqlite) { t in
            let v = try await OutreachTests.village(t)
            _ = try await t.team(for: v.hamlet, token: v.commune)
            _ = try await t.account("thanh-vien", role: .member, scope: v.hamlet)
            let province = try await t.account("so", role: .province, scope: Fixtures.provinceA)
            let notice = try await t.send(.POST, "/api/v1/announcements", token: province, json: PostAnnouncementRequest(
                kind: "notice", title: "Lịch tập huấn tháng 12", body: "Tập huấn ngày 10/12 tại Hội trường UBND phường.", unit: Fixtures.communeA))
            let noticeID = try notice.decode(AnnouncementResponse.self).id
            let driver = try await WebDriver.start(client: t.client)
            do {
                try await driver.signInToApp(t.baseURL, login: "thanh-vien")
                // The province's notice is on the home screen until read; reading it sends the receipt.
                try await driver.waitFor("#notices .notice")
                #expect(try await driver.text("#notices .notice strong") == "Thông báo: Lịch tập huấn tháng 12")
                try await driver.tap(".notice-read")
                try await driver.waitUntil("return document.querySelector('#notices .notice p') && !document.querySelector('#notices .notice p').hidden")
                for _ in 0..<50 where try await t.send(.GET, "/api/v1/announcements/\(noticeID)", token: province).decode(AnnouncementResponse.self).readCount != 1 {
                    try await Task.sleep(for: .milliseconds(100))
                }
                #expect(try await t.send(.GET, "/api/v1/announcements/\(noticeID)", token: province).decode(AnnouncementResponse.self).readers == ["thanh-vien"])
                try await driver.waitUntil("return caches.has('lantoa-shell-v5').then(has => has && navigator.serviceWorker.controller !== null)")
                try await driver.offline(true)
                try await driver.tap(".tabs button[data-tab=difficulties]")
                try await driver.execute("document.getElementById('difficulty-service').value = 'vneid_level2'")
                try await driver.type("#difficulty-description", "Người dân không nhận được mã OTP khi kích hoạt VNeID mức 2")
                try await driver.tap("#difficulty-send")
                try await driver.waitFor("#difficulty-saved")
                #expect(try await driver.text("#difficulty-saved").contains("sẽ gửi khi có mạng"))
                #expect(try await driver.text("#queue-count") == "1")
                #expect(try await Difficulty.query(on: t.app.db).count() == 0)
                // Waiting on the phone, its text is sealed like a support's personal fields; the list still shows it.
                let kept = try await driver.execute("return Object.keys(localStorage).map(k => localStorage.getItem(k)).join(' ')") as? String ?? ""
                #expect(!kept.contains("không nhận được mã OTP") && kept.contains("sealed"))
                try await driver.waitUntil("return document.querySelector('#difficulties .waiting p').textContent.includes('không nhận được mã OTP')")
                try await driver.screenshot("app-difficulty-offline")

                try await driver.offline(false)
                try await driver.waitUntil("return document.getElementById('queue').hidden === true")
                let stored = try await Difficulty.query(on: t.app.db).all()
                #expect(stored.count == 1 && stored.first?.status == .open && stored.first?.level == .commune)
                let id = try #require(stored.first?.id)
                #expect(try await DifficultyTests.messages(t, v.commune, kind: "difficulty_raised").count == 1)

                // The commune forwards it, the province answers; the app shows the answer after its next sync.
                #expect(try await t.send(.POST, "/api/v1/difficulties/\(id)/forward", token: v.commune, json: DifficultyTextRequest(text: nil)).status == .ok)
                #expect(try await t.send(.POST, "/api/v1/difficulties/\(id)/answer", token: province,
                                         json: DifficultyTextRequest(text: "Kiểm tra số điện thoại đăng ký VNeID còn dùng")).status == .ok)
                try await driver.go(t.baseURL + "/app/")
                try await driver.waitFor("#households")
                try await driver.tap(".tabs button[data-tab=difficulties]")
                try await driver.waitUntil("return !!document.querySelector('#difficulties .answer')")
                #expect(try await driver.text("#difficulties .answer") == "Trả lời: Kiểm tra số điện thoại đăng ký VNeID còn dùng")
                let width = try await driver.execute("return document.documentElement.scrollWidth")
                #expect((width as? Int ?? 999) <= 360, "the app scrolls sideways at 360 px: \(String(describing: width))")
                try await driver.screenshot("app-difficulty-answered")
                // The account's messages are on its tab, the answer among them.
                try await driver.tap(".tabs button[data-tab=me]")
                // The answer's message arrives with the same sync's later step (the notices and messages), maybe after the tap.
                try await driver.waitUntil("return document.getElementById('messages').textContent.includes('Vướng mắc của bạn đã được trả lời: Kiểm tra số điện thoại đăng ký VNeID còn dùng')")
                #expect(try await Difficulty.query(on: t.app.db).count() == 1)
            } catch {
                try? await driver.screenshot("app-difficulty-failure")
                try? await driver.quit()
                throw error
            }
            try await driver.quit()
        }
    }
}
