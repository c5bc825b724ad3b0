import Fluent
import Foundation
import Testing
@testable import App
@testable import AppTests

extension PhoneAppTests {
    /// A screen of the demo's VNeID guide, 360 px wide.
    static let screenPicture = FileManager.default.contents(atPath: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Resources/Data/demo-guides/vneid-1.jpg").standardized.path) ?? Data()

    @Test("The phone keeps the guides: offline, a guide opens with its pictures at 360 px; a new version replaces the kept one; the web page reads at 360 px")
    func guidesReadOffline() async throws {
        try await TestApp.run(.sqlite) { t in
            let v = try await OutreachTests.village(t)
            _ = try await t.team(for: v.hamlet, token: v.commune)
            _ = try await t.account("thanh-vien", role: .member, scope: v.hamlet)
            let ministry = try await t.account("bo", role: .admin, scope: nil)
            let steps = [GuideStepRequest(text: "Cài ứng dụng VNeID từ CH Play hoặc App Store", image: Self.screenPicture.base64EncodedString(), keepImage: nil),
                         GuideStepRequest(text: "Đăng ký bằng số định danh cá nhân", image: nil, keepImage: nil)]
            let created = try await t.send(.POST, "/api/v1/guides", token: ministry, json: GuideRequest(
                service: "vneid_level2", title: "Kích hoạt VNeID mức 2", steps: steps, adapts: nil))
            #expect(created.status == .created, "\(created.text)")
            let guide = try created.decode(GuideResponse.self)
            let picture = try #require(guide.steps[0].image)
            let kept = "JSON.parse(localStorage.getItem('lantoa.guides.' + JSON.parse(localStorage.getItem('lantoa.account'))) || '[]')"
            let driver = try await WebDriver.start(client: t.client)
            do {
                try await driver.signInToApp(t.baseURL, login: "thanh-vien")
                try await driver.waitUntil("return caches.has('lantoa-shell-v5').then(has => has && navigator.serviceWorker.controller !== null)")
                try await driver.waitUntil("return \(kept).some(g => g.saved && g.version === 1)")

                try await driver.offline(true)
                try await driver.tap(".tabs button[data-tab=difficulties]")
                try await driver.tap("#open-guides")
                try await driver.waitFor("#guides .guide-item")
                #expect(try await driver.text("#guides .guide-item").contains("đã lưu trên máy"))
                try await driver.tap("#guides .guide-item")
                try await driver.waitUntil("const i = document.querySelector('#guide img'); return !!i && i.complete && i.naturalWidth > 0")
                #expect(try await driver.execute("return document.querySelector('#guide img').naturalWidth") as? Int == 360)
                #expect(try await driver.execute("return document.querySelectorAll('#guide .steps li').length") as? Int == 2)
                #expect(try await driver.text("#guide .steps").contains("Cài ứng dụng VNeID từ CH Play hoặc App Store"))
                let width = try await driver.execute("return document.documentElement.scrollWidth")
                #expect((width as? Int ?? 999) <= 360, "the guide scrolls sideways at 360 px: \(String(describing: width))")
                try await driver.screenshot("app-guide-offline")

                // A second version: pulled when the phone is back online, and read offline in place of the first.
                let revised = try await t.send(.PUT, "/api/v1/guides/\(guide.id)", token: ministry, json: GuideRequest(
                    service: "vneid_level2", title: "Kích hoạt VNeID mức 2",
                    steps: [GuideStepRequest(text: steps[0].text!, image: nil, keepImage: picture), steps[1],
                            GuideStepRequest(text: "Quét NFC trên CCCD gắn chip", image: nil, keepImage: nil)], adapts: nil))
                #expect(revised.status == .ok)
                try await driver.offline(false)
                try await driver.waitUntil("return \(kept).some(g => g.saved && g.version === 2)")
                try await driver.offline(true)
                try await driver.go(t.baseURL + "/app/")
                try await driver.waitFor("#households")
                try await driver.tap(".tabs button[data-tab=difficulties]")
                try await driver.tap("#open-guides")
                try await driver.tap("#guides .guide-item")
                try await driver.waitUntil("return document.querySelectorAll('#guide .steps li').length === 3")
                try await driver.waitUntil("const i = document.querySelector('#guide img'); return !!i && i.complete && i.naturalWidth > 0")
                #expect(try await driver.text("#guide").contains("bản 2"))
                try await driver.offline(false)

                // The web page of the guide, on the same 360-px screen.
                try await driver.signIn(t.baseURL, login: "xa")
                try await driver.go(t.baseURL + "/guides/\(guide.id.uuidString.lowercased())")
                try await driver.waitUntil("const i = document.querySelector('#steps img'); return !!i && i.complete && i.naturalWidth > 0")
                let page = try await driver.execute("return document.documentElement.scrollWidth")
                #expect((page as? Int ?? 999) <= 360, "the guide page scrolls sideways at 360 px: \(String(describing: page))")
                try await driver.screenshot("guide-page")
            } catch {
                try? await driver.screenshot("app-guide-failure")
                try? await driver.quit()
                throw error
            }
            try await driver.quit()
        }
    }
}
