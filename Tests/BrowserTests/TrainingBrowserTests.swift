import Foundation
import Testing
@testable import App
@testable import AppTests

extension BrowserTests {
    @Test("A commune official adds a training session on a phone, ticks the members present and sees their record")
    func trainingOnAPhone() async throws {
        try await TestApp.run(.sqlite) { t in
            let n = try await TrainingTests.network(t, teams: 2, membersPerTeam: 3)
            _ = try await TrainingTests.course(t, token: n.province)
            let driver = try await WebDriver.start(client: t.client)
            do {
                try await driver.signIn(t.baseURL, login: "xa-tam-thanh")
                try await driver.go(t.baseURL + "/training")
                #expect(try await driver.text("#courses").contains("Hướng dẫn cài đặt VNeID mức 2"))
                try await driver.type("#session-place", "Nhà văn hóa khối 1")
                try await driver.setValue("#session-date", testToday.iso)
                try await driver.click("#session-submit")
                #expect(try await driver.text("#session-title") == "Hướng dẫn cài đặt VNeID mức 2")
                // The commune's teams and members are listed to tick.
                for member in n.members.prefix(4) { try await driver.execute("document.querySelector(arguments[0]).click()", ["#present-\(member)"]) }
                try await driver.screenshot("training-session")
                try await driver.click("#attendance-submit")
                #expect(try await driver.text("#present-count") == "4")
                #expect(try await driver.text("#notice").contains("Đã lưu 4 thay đổi điểm danh"))
                let width = try await driver.execute("return document.documentElement.scrollWidth")
                #expect((width as? Int ?? 999) <= 360, "the page scrolls sideways at 360 px: \(String(describing: width))")

                try await driver.go(t.baseURL + "/members/\(n.members[0])")
                #expect(try await driver.text("#attendance-total") == "1 lượt tập huấn")
                #expect(try await driver.text("#trained-this-year") == "Đã được tập huấn trong năm nay")
                try await driver.screenshot("member-training")
            } catch {
                try? await driver.screenshot("failure")
                try? await driver.quit()
                throw error
            }
            try await driver.quit()
        }
    }
}
