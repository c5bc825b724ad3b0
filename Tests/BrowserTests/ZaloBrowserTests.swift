import Foundation
import Testing
@testable import App
@testable import AppTests
import ZaloFake

extension BrowserTests {
    @Test("A leader turns Zalo on from a phone, sends the code to the OA and sees the account linked; the page fits 360 px")
    func zaloOnAPhone() async throws {
        let fake = try await FakeZalo.start()
        do {
            let settings = try OutboxDeliveryTests.settings(fake)
            try await TestApp.run(.sqlite, config: { $0.zalo = settings }) { t in
                _ = try await OutreachTests.village(t)
                let driver = try await WebDriver.start(client: t.client)
                do {
                    try await driver.signIn(t.baseURL, login: "to-truong")
                    try await driver.go(t.baseURL + "/notifications")
                    try await driver.click("#zalo-account-link")
                    #expect(try await driver.text("#zalo-off-state").contains("Đang tắt"))
                    try await driver.click("#zalo-on")
                    let code = try await driver.text("#zalo-code")
                    #expect(ZaloLinks.code(in: code) == code, "\(code)")
                    #expect(try await driver.text("#zalo-code-help").contains("oa-01"))
                    try await driver.screenshot("zalo-code")
                    let width = try await driver.execute("return document.documentElement.scrollWidth")
                    #expect((width as? Int ?? 999) <= 360, "the page scrolls sideways at 360 px: \(String(describing: width))")
                    // The code sent to the OA from Zalo links the account.
                    let (status, _) = try await fake.webhook(t.baseURL + "/zalo/webhook/\(Fixtures.provinceA)", event: "user_send_text",
                                                             from: "zl-phone", text: code, at: t.app.clock.now(), client: t.client)
                    #expect(status == .ok)
                    try await driver.go(t.baseURL + "/account/zalo")
                    #expect(try await driver.text("#zalo-linked").contains("Đã liên kết Zalo"))
                    try await driver.click("#zalo-off")
                    #expect(try await driver.text("#zalo-off-state").contains("Đang tắt"))
                } catch {
                    try? await driver.screenshot("failure")
                    try? await driver.quit()
                    throw error
                }
                try await driver.quit()
            }
        } catch {
            try await fake.stop()
            throw error
        }
        try await fake.stop()
    }
}
