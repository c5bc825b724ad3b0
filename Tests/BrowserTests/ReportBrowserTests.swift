import Foundation
import Testing
@testable import App
@testable import AppTests

/// Reports on a phone-sized Chromium: the leader fills and sends, the commune returns with a reason, the leader
/// corrects, the commune approves and the page locks.
@Suite("Periodic reports in a real browser", .enabled(if: ProcessInfo.processInfo.environment["LANTOA_CHROMEDRIVER"].map { !$0.isEmpty } ?? false))
struct ReportBrowserTests {
    @Test("A leader sends the monthly report from a phone; the commune returns it, the leader corrects it, the commune approves it")
    func reportOnAPhone() async throws {
        try await TestApp.run(.sqlite) { t in
            let v = try await OutreachTests.village(t)
            let team = try await t.team(for: v.hamlet, token: v.commune).lowercased()
            let driver = try await WebDriver.start(client: t.client)
            do {
                try await driver.signIn(t.baseURL, login: "to-truong")
                try await driver.go(t.baseURL + "/reports")
                #expect(try await driver.text("#my-reports").contains("Báo cáo tháng của Tổ CNSCĐ"))
                try await driver.go(t.baseURL + "/reports/to_thang/2026-11/\(team)")
                try await driver.type("#number-products_online", "abc")
                try await driver.click("#report-submit")
                #expect(try await driver.text("#form-errors").contains("Số sản phẩm được đưa lên sàn thương mại điện tử"))
                try await driver.clear("#number-products_online")
                try await driver.type("#number-products_online", "12")
                try await driver.click("#report-submit")
                #expect(try await driver.text("#form-errors").contains("Kết quả nổi bật: bắt buộc nhập"))
                try await driver.type("#text-results", "Hướng dẫn 12 hộ đưa nông sản lên sàn")
                try await driver.click("#report-submit")
                #expect(try await driver.text("#report-status") == "Đã nộp, chờ duyệt")
                let width = try await driver.execute("return document.documentElement.scrollWidth")
                #expect((width as? Int ?? 999) <= 360, "the page scrolls sideways at 360 px: \(String(describing: width))")
                try await driver.screenshot("report-submitted")

                try await driver.click("#logout")
                try await driver.signIn(t.baseURL, login: "xa")
                try await driver.go(t.baseURL + "/reports?template=to_thang&period=2026-11")
                #expect(try await driver.text("#review-slots").contains("Đã nộp, chờ duyệt"))
                try await driver.go(t.baseURL + "/reports/to_thang/2026-11/\(team)")
                try await driver.type("#return-reason", "Số sản phẩm chưa khớp sổ của thôn")
                try await driver.click("#report-return")
                #expect(try await driver.text("#report-status") == "Bị trả lại")
                try await driver.click("#logout")

                try await driver.signIn(t.baseURL, login: "to-truong")
                try await driver.go(t.baseURL + "/reports/to_thang/2026-11/\(team)")
                #expect(try await driver.text("#report-reason").contains("Số sản phẩm chưa khớp sổ của thôn"))
                try await driver.clear("#number-products_online")
                try await driver.type("#number-products_online", "10")
                try await driver.click("#report-submit")
                try await driver.click("#logout")

                try await driver.signIn(t.baseURL, login: "xa")
                try await driver.go(t.baseURL + "/reports/to_thang/2026-11/\(team)")
                try await driver.click("#report-approve")
                #expect(try await driver.text("#report-status") == "Đã duyệt")
                #expect(try await driver.text("#number-products_online") == "10")
                #expect(try await driver.source().contains("report-form") == false)
                try await driver.screenshot("report-approved")
            } catch {
                try? await driver.screenshot("failure")
                try? await driver.quit()
                throw error
            }
            try await driver.quit()
        }
    }
}
