import Fluent
import Foundation
import LanToaCore
import Testing
import Vapor
@testable import App

@Suite("Difficulties answered up the tiers, told through the outbox, promoted to the FAQ")
struct DifficultyTests {
    /// A photo as a phone camera writes it: with an EXIF block holding where it was taken.
    static let photo: Data = {
        func segment(_ marker: UInt8, _ payload: [UInt8]) -> [UInt8] {
            [0xFF, marker, UInt8((payload.count + 2) >> 8), UInt8((payload.count + 2) & 0xFF)] + payload
        }
        let exif = segment(0xE1, Array("Exif\0\0GPSLatitude 21.85 GPSLongitude 106.76".utf8))
        let frame = segment(0xC0, [8, 0, 1, 0, 1, 1, 1, 0x11, 0])
        let scan = segment(0xDA, [1, 1, 0, 0, 0x3F, 0]) + [0x12, 0x34]
        return Data([0xFF, 0xD8] + segment(0xE0, Array("JFIF\0".utf8) + [1, 1, 0, 0, 1, 0, 1, 0, 0]) + exif + frame + scan + [0xFF, 0xD9])
    }()

    static func messages(_ t: TestApp, _ token: String, kind: String) async throws -> [NotificationResponse] {
        try await t.send(.GET, "/api/v1/notifications", token: token).decode([NotificationResponse].self).filter { $0.kind == kind }
    }

    @Test("A member's difficulty goes to the commune, is forwarded, answered by the province, reopened, solved, promoted and found without diacritics",
          arguments: Engine.available)
    func difficultyGoesUpTheTiers(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let v = try await OutreachTests.village(t)
            _ = try await t.team(for: v.hamlet, token: v.commune)
            let member = try await t.account("thanh-vien", role: .member, scope: v.hamlet)
            let province = try await t.account("so", role: .province, scope: Fixtures.provinceA)
            let id = UUID()
            let body = RaiseDifficultyRequest(id: id, service: "vneid_level2", description: "Người cao tuổi không kích hoạt được VNeID mức 2 vì không nhận được mã OTP",
                                              photo: Self.photo.base64EncodedString())

            // Bad input is named, and nothing is written.
            let empty = try await t.send(.POST, "/api/v1/difficulties", token: member, json: RaiseDifficultyRequest(id: UUID(), service: "vneid_level2", description: " ", photo: "iVBORw0KGgo="))
            #expect(empty.status == .unprocessableEntity && empty.text.contains("\"description\"") && empty.text.contains("\"photo\""))
            let unknown = try await t.send(.POST, "/api/v1/difficulties", token: member, json: RaiseDifficultyRequest(id: UUID(), service: "khong_co", description: "X", photo: nil))
            #expect(unknown.status == .unprocessableEntity && unknown.text.contains("\"service\""))
            #expect(try await Difficulty.query(on: t.app.db).count() == 0)

            // Raised (twice: the phone lost the first answer): one difficulty, the commune told once.
            let raised = try await t.send(.POST, "/api/v1/difficulties", token: member, json: body)
            #expect(raised.status == .created, "\(raised.text)")
            #expect(try await t.send(.POST, "/api/v1/difficulties", token: member, json: body).status == .ok)
            #expect(try await Difficulty.query(on: t.app.db).count() == 1)
            #expect(try await Self.messages(t, v.commune, kind: "difficulty_raised").count == 1)
            let photo = try await t.send(.GET, "/api/v1/difficulties/\(id)/photo", token: v.commune)
            #expect(photo.status == .ok && photo.body.count < Self.photo.count && !photo.text.contains("GPS") && photo.body.starts(with: [0xFF, 0xD8]))

            // The commune forwards it; it can no longer answer, the province is told and answers.
            let forwarded = try await t.send(.POST, "/api/v1/difficulties/\(id)/forward", token: v.commune, json: DifficultyTextRequest(text: "Đề nghị Sở hướng dẫn"))
            #expect(try forwarded.decode(DifficultyResponse.self).level == .province)
            #expect(try await t.send(.POST, "/api/v1/difficulties/\(id)/answer", token: v.commune, json: DifficultyTextRequest(text: "X")).status == .forbidden)
            #expect(try await Self.messages(t, province, kind: "difficulty_forwarded").count == 1)
            let answer = "Kiểm tra số điện thoại đăng ký VNeID còn dùng; nếu đã đổi số, đến Công an xã cập nhật rồi kích hoạt lại mức 2."
            let answered = try await t.send(.POST, "/api/v1/difficulties/\(id)/answer", token: province, json: DifficultyTextRequest(text: answer))
            #expect(try answered.decode(DifficultyResponse.self).status == .answered)

            // The member sees the answer in the next request, is told, reopens, gets a second answer and marks it solved.
            let mine = try await t.send(.GET, "/api/v1/difficulties/mine", token: member).decode([DifficultyResponse].self)
            #expect(mine.map(\.answer) == [answer] && mine[0].firstAnsweredAt != nil)
            #expect(try await Self.messages(t, member, kind: "difficulty_answered").count == 1)
            let reopened = try await t.send(.POST, "/api/v1/difficulties/\(id)/reopen", token: member, json: DifficultyTextRequest(text: "Đã cập nhật số nhưng vẫn lỗi"))
            #expect(try reopened.decode(DifficultyResponse.self).status == .open)
            #expect(try await Self.messages(t, province, kind: "difficulty_reopened").count == 1)
            #expect(try await t.send(.POST, "/api/v1/difficulties/\(id)/answer", token: province, json: DifficultyTextRequest(text: answer + " Chờ 24 giờ sau khi cập nhật.")).status == .ok)
            let solved = try await t.send(.POST, "/api/v1/difficulties/\(id)/solve", token: member)
            #expect(try solved.decode(DifficultyResponse.self).status == .solved)
            #expect(try await t.send(.POST, "/api/v1/difficulties/\(id)/solve", token: member).status == .conflict)

            // Promoted to the province's FAQ of the service, and found by words typed without diacritics.
            #expect(try await t.send(.POST, "/api/v1/difficulties/\(id)/promote", token: v.commune).status == .forbidden)
            let promoted = try await t.send(.POST, "/api/v1/difficulties/\(id)/promote", token: province,
                                            json: PromoteDifficultyRequest(question: "Không kích hoạt được VNeID mức 2 vì không nhận được OTP?", answer: nil))
            #expect(promoted.status == .created, "\(promoted.text)")
            // Promoted again (reworded), the province's entry is replaced, not repeated.
            let again = try await t.send(.POST, "/api/v1/difficulties/\(id)/promote", token: province,
                                         json: PromoteDifficultyRequest(question: "Không kích hoạt được VNeID mức 2 vì không nhận được mã OTP?", answer: nil))
            #expect(again.status == .ok)
            #expect(try await FAQEntry.query(on: t.app.db).count() == 1)
            let found = try await t.send(.GET, "/api/v1/faq?q=vneid%20muc%202", token: member).decode([FAQEntryResponse].self)
            #expect(found.count == 1 && found[0].answer.hasSuffix("Chờ 24 giờ sau khi cập nhật.") && found[0].province == Fixtures.provinceA)
            #expect(try await t.send(.GET, "/api/v1/faq?q=vneid%20muc%203", token: member).decode([FAQEntryResponse].self).isEmpty)
            let other = try await t.account("xa-khac", role: .commune, scope: Fixtures.communeB)
            #expect(try await t.send(.GET, "/api/v1/faq?q=vneid", token: other).decode([FAQEntryResponse].self).isEmpty)

            // The dashboard's figures: none open, one raised this month, answered and solved.
            let board = try await t.send(.GET, "/api/v1/dashboard?unit=\(Fixtures.communeA)&period=2026-11", token: v.commune).decode(DashboardResponse.self)
            #expect(board.difficulties?.open == 0 && board.difficulties?.raised == 1 && board.difficulties?.medianHoursToFirstAnswer != nil
                && board.difficulties?.medianHoursToSolution != nil)

            // The pages: the history for the commune, the FAQ's search.
            let web = try await WebSession.signIn(t, login: "xa", password: "mat-khau-123")
            let page = try await web.send(.GET, "/difficulties/\(id)")
            #expect(page.status == .ok && page.text.contains("Chuyển lên tỉnh: Đề nghị Sở hướng dẫn") && page.text.contains("Đã giải quyết"))
            #expect(try await web.send(.GET, "/faq?q=VNEID%20MUC%202").text.contains("Không kích hoạt được VNeID mức 2"))
        }
    }

    @Test("A difficulty left unanswered past the province's days is a task for the commune until answered", arguments: Engine.available)
    func unansweredDifficultyIsATask(engine: Engine) async throws {
        let moving = MovableClock()
        moving.set("2026-11-22")
        try await TestApp.run(engine, config: { $0.clock = moving.clock }) { t in
            let v = try await OutreachTests.village(t)
            let raised = try await t.send(.POST, "/api/v1/difficulties", token: v.leader, json: RaiseDifficultyRequest(
                id: nil, service: "vneid_level2", description: "Không đăng nhập được VNeID", photo: nil))
            let id = try raised.decode(DifficultyResponse.self).id
            #expect(try await WarningsTests.tasks(t, v.commune).isEmpty)
            moving.set("2026-11-26")
            let commune = try #require(try await t.send(.POST, "/api/v1/auth/login", json: ["login": "xa", "password": "mat-khau-123"]).json()["token"] as? String)
            let tasks = try await WarningsTests.tasks(t, commune).filter { $0.kind == .difficultyUnanswered }
            #expect(tasks.map(\.subject) == [id] && tasks[0].detail.contains("(4 ngày)"))
            // Forwarded, the task moves to the province, which is told; the leader's own refreshes add no copy of it.
            let province = try await t.account("so", role: .province, scope: Fixtures.provinceA)
            #expect(try await t.send(.POST, "/api/v1/difficulties/\(id)/forward", token: commune, json: DifficultyTextRequest(text: nil)).status == .ok)
            moving.set("2026-11-27")
            let signIn = { (login: String) async throws -> String in
                try #require(try await t.send(.POST, "/api/v1/auth/login", json: ["login": login, "password": "mat-khau-123"]).json()["token"] as? String)
            }
            let (leader, communeNow, provinceNow) = (try await signIn("to-truong"), try await signIn("xa"), try await signIn("so"))
            _ = province
            _ = try await WarningsTests.tasks(t, leader)
            #expect(try await WarningsTests.tasks(t, provinceNow).filter { $0.kind == .difficultyUnanswered }.map(\.subject) == [id])
            #expect(try await WarningsTests.tasks(t, communeNow).filter { $0.kind == .difficultyUnanswered }.isEmpty)
            _ = try await WarningsTests.tasks(t, leader)
            #expect(try await EarlyWarning.query(on: t.app.db).filter(\.$kind == .difficultyUnanswered).count() == 1)
            let told = try await t.send(.GET, "/api/v1/notifications", token: provinceNow).decode([NotificationResponse].self)
            #expect(told.filter { $0.kind == "warning_task" }.count == 1)
            #expect(try await t.send(.POST, "/api/v1/difficulties/\(id)/answer", token: provinceNow, json: DifficultyTextRequest(text: "Cài lại ứng dụng")).status == .ok)
            #expect(try await WarningsTests.tasks(t, provinceNow).filter { $0.kind == .difficultyUnanswered }.isEmpty)
        }
    }
}
