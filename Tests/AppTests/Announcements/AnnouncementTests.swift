import Fluent
import Foundation
import LanToaCore
import Testing
import Vapor
@testable import App

@Suite("Notices and good practices reach their subtree, with read receipts")
struct AnnouncementTests {
    @Test("A province's notice for a commune tells its accounts once, is read by the leader, and its readers are seen by the province",
          arguments: Engine.available)
    func noticeIsToldAndRead(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let v = try await OutreachTests.village(t)
            let province = try await t.account("so", role: .province, scope: Fixtures.provinceA)
            let elsewhere = try await t.account("xa-khac", role: .commune, scope: Fixtures.communeB)
            #expect(try await t.send(.POST, "/api/v1/announcements", token: v.leader, json: PostAnnouncementRequest(kind: nil, title: "X", body: "Y", unit: nil)).status == .forbidden)
            let bad = try await t.send(.POST, "/api/v1/announcements", token: province, json: PostAnnouncementRequest(kind: "memo", title: " ", body: "Y", unit: nil))
            #expect(bad.status == .unprocessableEntity && bad.text.contains("\"title\"") && bad.text.contains("\"kind\""))
            let posted = try await t.send(.POST, "/api/v1/announcements", token: province, json: PostAnnouncementRequest(
                kind: "practice", title: "Cách làm của phường Ba Đình: mỗi tổ một buổi hướng dẫn VNeID tại nhà văn hóa",
                body: "Mỗi tối thứ Năm, tổ hẹn người dân tại nhà văn hóa khu phố.", unit: Fixtures.communeA))
            #expect(posted.status == .created, "\(posted.text)")
            let id = try posted.decode(AnnouncementResponse.self).id
            // The commune's and the leader's accounts are told (the province that posted is not).
            for token in [v.leader, v.commune] {
                let told = try await t.send(.GET, "/api/v1/notifications", token: token).decode([NotificationResponse].self).filter { $0.kind == "announcement" }
                #expect(told.count == 1 && told[0].message.hasPrefix("Cách làm hay của Phường Ba Đình"))
            }
            #expect(try await t.send(.GET, "/api/v1/notifications", token: province).decode([NotificationResponse].self).isEmpty)
            #expect(try await t.send(.GET, "/api/v1/announcements", token: elsewhere).decode([AnnouncementResponse].self).isEmpty)
            #expect(try await t.send(.GET, "/api/v1/announcements/\(id)", token: elsewhere).status == .notFound)

            let before = try await t.send(.GET, "/api/v1/announcements", token: v.leader).decode([AnnouncementResponse].self)
            #expect(before.map(\.read) == [false])
            #expect(try await t.send(.POST, "/api/v1/announcements/\(id)/read", token: v.leader).status == .noContent)
            #expect(try await t.send(.POST, "/api/v1/announcements/\(id)/read", token: v.leader).status == .noContent)
            #expect(try await t.send(.GET, "/api/v1/announcements", token: v.leader).decode([AnnouncementResponse].self).map(\.read) == [true])
            let seen = try await t.send(.GET, "/api/v1/announcements/\(id)", token: province).decode(AnnouncementResponse.self)
            #expect(seen.readCount == 1 && seen.readers == ["to-truong"] && seen.recipients == 2)
            let leaderView = try await t.send(.GET, "/api/v1/announcements/\(id)", token: v.leader).decode(AnnouncementResponse.self)
            #expect(leaderView.readCount == 1 && leaderView.readers == [])
            let told = try await t.send(.GET, "/api/v1/notifications", token: v.leader).decode([NotificationResponse].self).filter { $0.kind == "announcement" }
            #expect(told.map(\.read) == [true])

            // On the page, with an attachment: the commune opens it, which counts as read.
            let web = try await WebSession.signIn(t, login: "so", password: "mat-khau-123")
            let pdf = "%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
            let boundary = "----lantoa-test"
            var body = "--\(boundary)\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n\(web.csrf)\r\n"
            for (name, value) in [("kind", "notice"), ("title", "Lịch tập huấn tháng 12"), ("body", "Tập huấn ngày 10/12 tại Hội trường UBND phường."), ("unit", "")] {
                body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n"
            }
            body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"attachment\"; filename=\"Lịch tập huấn.pdf\"\r\nContent-Type: application/pdf\r\n\r\n\(pdf)\r\n--\(boundary)--\r\n"
            let page = try await t.send(.POST, "/announcements", body: Data(body.utf8), contentType: "multipart/form-data; boundary=\(boundary)",
                                        headers: [("Cookie", web.cookie)])
            #expect(page.status == .seeOther, "\(page.text.prefix(300))")
            let list = try await t.send(.GET, "/api/v1/announcements", token: v.commune).decode([AnnouncementResponse].self)
            let notice = try #require(list.first { $0.title == "Lịch tập huấn tháng 12" })
            #expect(notice.attachment == "lich-tap-huan.pdf" && notice.unit == "Thành phố Hà Nội" && !notice.read)
            let file = try await t.send(.GET, "/api/v1/announcements/\(notice.id)/attachment", token: v.commune)
            #expect(file.status == .ok && file.text == pdf && file.headers.first(name: .contentType) == "application/pdf")
            let communeWeb = try await WebSession.signIn(t, login: "xa", password: "mat-khau-123")
            #expect(try await communeWeb.send(.GET, "/announcements/\(notice.id)").text.contains("Tập huấn ngày 10/12"))
            #expect(try await t.send(.GET, "/api/v1/announcements/\(notice.id)", token: province).decode(AnnouncementResponse.self).readCount == 1)
        }
    }
}
