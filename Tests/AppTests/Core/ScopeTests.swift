import Fluent
import Foundation
import Testing
import Vapor
@testable import App

/// Proves ARCHITECTURE.md decision 2: every route refuses what lies outside the account's subtree.
@Suite("Scope is enforced on every route")
struct ScopeTests {
    /// What an out-of-scope request must get.
    enum Expectation {
        /// 403 or 404.
        case refused
        /// Answers, but none of the other commune's data appears in the body.
        case showsNothingOf
        /// Not about data of a unit (public, or the account's own): exactly this status.
        case notScoped(HTTPStatus)
    }

    struct Probe {
        var method: HTTPMethod
        var path: String
        var json: [String: String]?
        var body: Data?
        var expect: Expectation
    }

    @Test("A commune account is refused the other commune's data on every API and web route", arguments: Engine.available)
    func everyRouteRefusesOutOfScope(engine: Engine) async throws {
        // Province B has a Zalo OA (its endpoints are never called here); province A has none.
        let zalo = try ZaloSettings.load(Data("""
            {"provinces": {"\(Fixtures.provinceB)": {"appId": "app-b", "appSecret": "s", "oaId": "oa-b", "oaSecret": "s", "refreshToken": "r"}}}
            """.utf8))
        try await TestApp.run(engine, config: { $0.zalo = zalo }) { t in
            // Commune B's data, made by B's own accounts, which an administrator creates over the API.
            let admin = try await t.account("quan-tri", role: .admin, scope: nil)
            let b = try await t.accountOverAPI("xa-b", role: .commune, scope: Fixtures.communeB, by: admin, password: "mat-khau-123")
            let provinceB = try await t.accountOverAPI("tinh-b", role: .province, scope: Fixtures.provinceB, by: admin)
            let hamletB = try await t.hamlet("Thôn Bản Thử Nghiệm", in: Fixtures.communeB, token: b)
            let teamB = try await t.team(for: hamletB, token: b)
            let memberB = try await t.member(teamB, name: "Hoàng Thị Lan", phone: "0987654321", role: "leader", token: b)
            let membershipB = try memberB.json()["membershipId"] as! String
            let memberIDB = (try memberB.json()["memberId"] as! String).lowercased()
            let householdB = UUID()
            let residentB = UUID()
            let setup = try await t.send(.POST, "/api/v1/sync", token: b, json: ["households": [["id": householdB.uuidString, "hamlet": hamletB,
                "address": "Số 1 Khuổi Bó", "headName": "Hoàng Thị Lan"]]])
            #expect(setup.status == .ok)
            let residentSetup = try await t.send(.POST, "/api/v1/residents", token: b, json: OutreachTests.Batch.Resident(
                id: residentB, household: householdB, fullName: "Hoàng Thị Lan", gender: "female", birthYear: 1985, cccd: "020185012345"))
            #expect(residentSetup.status == .created, "\(residentSetup.text)")
            let serviceB = try await t.send(.POST, "/api/v1/services", token: provinceB, json: ["code": "xu_lang_rieng", "name": "Dịch vụ riêng Xứ Lạng",
                                                                                                 "pillar": "society", "province": Fixtures.provinceB])
            #expect(serviceB.status == .created, "\(serviceB.text)")
            struct CampaignBody: Encodable {
                struct Target: Encodable { var indicator: String; var value: Double }
                var name: String, start: String, end: String, owner: String, targets: [Target]
            }
            let campaignReply = try await t.send(.POST, "/api/v1/campaigns", token: b, json: CampaignBody(
                name: "Chiến dịch Bản Thử", start: "2026-12-01", end: "2026-12-31", owner: Fixtures.communeB,
                targets: [.init(indicator: "vneid_level2.done", value: 10)]))
            #expect(campaignReply.status == .created, "\(campaignReply.text)")
            let campaignB = try #require(try campaignReply.json()["id"] as? String).lowercased()
            // A report of B's team by its leader, and a template of B's province.
            let leaderB = try await t.accountOverAPI("to-truong-b", role: .leader, scope: hamletB, by: admin, password: "mat-khau-123")
            let reportB = "/api/v1/reports/to_thang/2026-11/\(teamB.lowercased())"
            let reportSetup = try await t.send(.POST, reportB + "/submit", token: leaderB,
                                               json: ReportEntriesRequest(numbers: ["products_online": 3], texts: ["results": "Bản Thử đã báo cáo"]))
            #expect(reportSetup.status == .ok, "\(reportSetup.text)")
            let templateSetup = try await t.send(.POST, "/api/v1/report-templates", token: provinceB, json: ReportTemplateRequest(
                code: "xu_lang_quy", province: Fixtures.provinceB, name: "Mẫu riêng Xứ Lạng", cycle: "quarter", deadlineDays: 10, reporter: "commune",
                fields: [.init(code: "ghi_chu", kind: .text, name: "Ghi chú", nameEn: "Notes")]))
            #expect(templateSetup.status == .created, "\(templateSetup.text)")
            // A course of B's province, a session in B's commune and the attendance of B's member.
            let courseReply = try await t.send(.POST, "/api/v1/training/courses", token: provinceB, json: CreateTrainingCourseRequest(
                title: "Khóa riêng Xứ Lạng", topic: nil, services: nil, mode: "in_person", link: nil, organiser: nil, organiserName: nil, unit: Fixtures.provinceB))
            let courseB = try #require(try courseReply.json()["id"] as? String).lowercased()
            let sessionReply = try await t.send(.POST, "/api/v1/training/sessions", token: provinceB, json: CreateTrainingSessionRequest(
                course: UUID(uuidString: courseB), date: "2026-11-20", place: "Nhà văn hóa Khuổi Bó", link: nil, trainer: nil, unit: Fixtures.communeB, capacity: nil))
            let sessionB = try #require(try sessionReply.json()["id"] as? String).lowercased()
            let attendB = try await t.send(.PUT, "/api/v1/training/sessions/\(sessionB)/attendance", token: b, json: TrainingAttendanceRequest(
                entries: [TrainingAttendanceEntry(member: UUID(uuidString: memberIDB), present: true, passed: true, certificate: nil)]))
            #expect(attendB.status == .ok, "\(attendB.text)")
            // B's team has no support yet: its commune's warning list opens the warning and writes the leader's task.
            let warningsB = try await t.send(.GET, "/api/v1/warnings?unit=\(Fixtures.communeB)", token: b).decode(WarningListResponse.self)
            #expect(warningsB.items.contains { $0.kind == .teamIdle })
            let leaderUserB = try #require(try await User.query(on: t.app.db).filter(\.$login == "to-truong-b").first()?.id)
            let noteB = try #require(try await OutboxMessage.query(on: t.app.db).filter(\.$recipientID == leaderUserB).first()?.id)
            // A difficulty of B's leader, with a photo, answered by B's province and promoted to its FAQ.
            let difficultyB = UUID()
            let raisedB = try await t.send(.POST, "/api/v1/difficulties", token: leaderB, json: RaiseDifficultyRequest(
                id: difficultyB, service: "vneid_level2", description: "Vướng mắc riêng Bản Thử", photo: DifficultyTests.photo.base64EncodedString()))
            #expect(raisedB.status == .created, "\(raisedB.text)")
            #expect(try await t.send(.POST, "/api/v1/difficulties/\(difficultyB)/answer", token: provinceB, json: DifficultyTextRequest(text: "Trả lời riêng Xứ Lạng")).status == .ok)
            #expect(try await t.send(.POST, "/api/v1/difficulties/\(difficultyB)/promote", token: provinceB, json: PromoteDifficultyRequest(question: "Câu hỏi riêng Xứ Lạng vneid", answer: nil)).status == .created)
            // A notice of B's province for B's commune, with an attachment.
            let noticeReply = try await t.send(.POST, "/api/v1/announcements", token: provinceB, json: PostAnnouncementRequest(
                kind: "notice", title: "Thông báo riêng Xứ Lạng", body: "Nội dung riêng Xứ Lạng", unit: Fixtures.communeB))
            let noticeB = try noticeReply.decode(AnnouncementResponse.self).id
            let fileB = AnnouncementFile()
            fileB.id = noticeB
            fileB.unitPath = try #require(try await Announcement.find(noticeB, on: t.app.db)).unitPath
            fileB.contentType = "application/pdf"
            fileB.content = Data("%PDF-1.4 Xứ Lạng".utf8)
            try await fileB.create(on: t.app.db)
            try await Announcement.query(on: t.app.db).filter(\.$id == noticeB).set(\.$attachmentName, to: "thong-bao.pdf").update()
            // A guide of B's province, with a picture.
            let guideReply = try await t.send(.POST, "/api/v1/guides", token: provinceB, json: GuideRequest(
                service: "xu_lang_rieng", title: "Hướng dẫn riêng Xứ Lạng",
                steps: [GuideStepRequest(text: "Bước riêng Xứ Lạng", image: DifficultyTests.photo.base64EncodedString(), keepImage: nil)], adapts: nil))
            #expect(guideReply.status == .created, "\(guideReply.text)")
            let guideB = try guideReply.decode(GuideResponse.self)
            let guideIDB = guideB.id.uuidString.lowercased()
            let imageB = try #require(guideB.steps.first?.image).uuidString.lowercased()
            let zaloB = try await t.send(.PUT, "/api/v1/me/zalo", token: b, json: ["enabled": true]).decode(ZaloChannelResponse.self)
            let linkCodeB = try #require(zaloB.linkCode)
            let a = try await t.account("xa-a", role: .commune, scope: Fixtures.communeA)
            let userB = try #require(try await User.query(on: t.app.db).filter(\.$login == "xa-b").first()?.id)
            let tokenB = try #require(try await UserToken.query(on: t.app.db).filter(\.$userID == userB).first()?.id)
            let secretsOfB = [hamletB, teamB.lowercased(), "Hoàng Thị Lan", "xa-b", "tinh-b", "Thử Nghiệm", "Khuổi Bó", "020*******45",
                              "Dịch vụ riêng Xứ Lạng", "Chiến dịch Bản Thử", campaignB, "Mẫu riêng Xứ Lạng", "Bản Thử đã báo cáo", "to-truong-b", "Khóa riêng Xứ Lạng", courseB, sessionB, "Vướng mắc riêng Bản Thử", "Trả lời riêng Xứ Lạng", "Câu hỏi riêng Xứ Lạng",
                              difficultyB.uuidString.lowercased(), "Thông báo riêng Xứ Lạng", "Nội dung riêng Xứ Lạng", noticeB.uuidString.lowercased(),
                              "Hướng dẫn riêng Xứ Lạng", "Bước riêng Xứ Lạng", guideIDB, imageB, linkCodeB, "oa-b"]

            let csv = Data("Thôn/Tổ dân phố,Số quyết định,Ngày quyết định,Người ký,Họ và tên,Số điện thoại,Giới tính,Năm sinh,Vai trò\nThôn X,1/QĐ,01/08/2025,Lê B,Lê C,0911111111,Nam,1980,Tổ trưởng\n".utf8)
            let api: [String: Probe] = [
                "GET /api/v1/openapi.json": Probe(method: .GET, path: "/api/v1/openapi.json", expect: .notScoped(.ok)),
                "POST /api/v1/auth/login": Probe(method: .POST, path: "/api/v1/auth/login", json: ["login": "xa-b", "password": "wrong"], expect: .refused),
                "GET /api/v1/me": Probe(method: .GET, path: "/api/v1/me", expect: .showsNothingOf),
                "POST /api/v1/auth/logout": Probe(method: .POST, path: "/api/v1/auth/logout", expect: .notScoped(.noContent)),
                "POST /api/v1/auth/refresh": Probe(method: .POST, path: "/api/v1/auth/refresh", json: ["refreshToken": "not-a-token"], expect: .notScoped(.unauthorized)),
                "GET /api/v1/me/tokens": Probe(method: .GET, path: "/api/v1/me/tokens", expect: .showsNothingOf),
                "DELETE /api/v1/tokens/:id": Probe(method: .DELETE, path: "/api/v1/tokens/\(tokenB)", expect: .refused),
                "GET /api/v1/users/:id/tokens": Probe(method: .GET, path: "/api/v1/users/\(userB)/tokens", expect: .refused),
                "POST /api/v1/me/password": Probe(method: .POST, path: "/api/v1/me/password", json: ["currentPassword": "sai-mat-khau", "newPassword": "Mot-mat-khau-moi-1"], expect: .notScoped(.unprocessableEntity)),
                "PUT /api/v1/users/:id/member": Probe(method: .PUT, path: "/api/v1/users/\(userB)/member", json: ["phone": "0987654321"], expect: .refused),
                "POST /api/v1/users/:id/unlock": Probe(method: .POST, path: "/api/v1/users/\(userB)/unlock", expect: .refused),
                "POST /api/v1/users/:id/disable": Probe(method: .POST, path: "/api/v1/users/\(userB)/disable", expect: .refused),
                "POST /api/v1/users/:id/enable": Probe(method: .POST, path: "/api/v1/users/\(userB)/enable", expect: .refused),
                "POST /api/v1/users/:id/password": Probe(method: .POST, path: "/api/v1/users/\(userB)/password", json: ["password": "Mot-mat-khau-moi-1"], expect: .refused),
                "GET /api/v1/units": Probe(method: .GET, path: "/api/v1/units?parent=\(Fixtures.communeB)", expect: .showsNothingOf),
                "POST /api/v1/units": Probe(method: .POST, path: "/api/v1/units", json: ["parentCode": Fixtures.communeB, "name": "Thôn Lạ"], expect: .refused),
                "GET /api/v1/units/:code": Probe(method: .GET, path: "/api/v1/units/\(hamletB)", expect: .refused),
                "GET /api/v1/units/:code/lineage": Probe(method: .GET, path: "/api/v1/units/\(hamletB)/lineage", expect: .refused),
                "PUT /api/v1/units/:code/former-commune": Probe(method: .PUT, path: "/api/v1/units/\(hamletB)/former-commune",
                                                                json: ["formerCommune": Fixtures.communeB], expect: .refused),
                "GET /api/v1/units/:code/composition-policy": Probe(method: .GET, path: "/api/v1/units/\(Fixtures.provinceB)/composition-policy", expect: .refused),
                "PUT /api/v1/units/:code/composition-policy": Probe(method: .PUT, path: "/api/v1/units/\(Fixtures.provinceB)/composition-policy", json: ["minimumMembers": "3"], expect: .refused),
                "GET /api/v1/training/courses": Probe(method: .GET, path: "/api/v1/training/courses", expect: .showsNothingOf),
                "POST /api/v1/training/courses": Probe(method: .POST, path: "/api/v1/training/courses", json: ["title": "Khóa lạ", "mode": "in_person", "unit": Fixtures.communeB], expect: .refused),
                "GET /api/v1/training/sessions": Probe(method: .GET, path: "/api/v1/training/sessions", expect: .showsNothingOf),
                "POST /api/v1/training/sessions": Probe(method: .POST, path: "/api/v1/training/sessions", json: ["course": courseB, "date": "2026-11-21", "place": "Nơi lạ"], expect: .refused),
                "GET /api/v1/training/sessions/:id": Probe(method: .GET, path: "/api/v1/training/sessions/\(sessionB)", expect: .refused),
                "PUT /api/v1/training/sessions/:id": Probe(method: .PUT, path: "/api/v1/training/sessions/\(sessionB)", json: ["date": "2026-11-20", "place": "Nơi lạ"], expect: .refused),
                "DELETE /api/v1/training/sessions/:id": Probe(method: .DELETE, path: "/api/v1/training/sessions/\(sessionB)", expect: .refused),
                "PUT /api/v1/training/courses/:id": Probe(method: .PUT, path: "/api/v1/training/courses/\(courseB)", json: ["title": "Khóa lạ", "mode": "in_person"], expect: .refused),
                "DELETE /api/v1/training/courses/:id": Probe(method: .DELETE, path: "/api/v1/training/courses/\(courseB)", expect: .refused),
                "PUT /api/v1/training/sessions/:id/attendance": Probe(method: .PUT, path: "/api/v1/training/sessions/\(sessionB)/attendance", json: [:], expect: .refused),
                "POST /api/v1/training/sessions/:id/attendance-imports": Probe(method: .POST, path: "/api/v1/training/sessions/\(sessionB)/attendance-imports",
                                                                             body: Data("Số điện thoại\n0987654321\n".utf8), expect: .refused),
                "GET /api/v1/members/:id/training": Probe(method: .GET, path: "/api/v1/members/\(memberIDB)/training", expect: .refused),
                "GET /api/v1/warnings": Probe(method: .GET, path: "/api/v1/warnings?unit=\(Fixtures.communeB)", expect: .refused),
                "GET /api/v1/tasks": Probe(method: .GET, path: "/api/v1/tasks", expect: .showsNothingOf),
                "GET /api/v1/units/:code/warning-settings": Probe(method: .GET, path: "/api/v1/units/\(Fixtures.provinceB)/warning-settings", expect: .refused),
                "PUT /api/v1/units/:code/warning-settings": Probe(method: .PUT, path: "/api/v1/units/\(Fixtures.provinceB)/warning-settings", json: ["idleDays": "3"], expect: .refused),
                "GET /api/v1/notifications": Probe(method: .GET, path: "/api/v1/notifications", expect: .showsNothingOf),
                "GET /api/v1/me/zalo": Probe(method: .GET, path: "/api/v1/me/zalo", expect: .showsNothingOf),
                "PUT /api/v1/me/zalo": Probe(method: .PUT, path: "/api/v1/me/zalo", json: ["enabled": "true"], expect: .notScoped(.unprocessableEntity)),
                "GET /api/v1/zalo/provinces": Probe(method: .GET, path: "/api/v1/zalo/provinces", expect: .refused),
                "POST /zalo/webhook/:province": Probe(method: .POST, path: "/zalo/webhook/\(Fixtures.provinceB)",
                                                      json: ["app_id": "app-b", "event_name": "follow", "timestamp": "1790000000000"], expect: .refused),
                "POST /api/v1/notifications/:id/read": Probe(method: .POST, path: "/api/v1/notifications/\(noteB)/read", expect: .refused),
                "POST /api/v1/difficulties": Probe(method: .POST, path: "/api/v1/difficulties", json: ["id": difficultyB.uuidString, "service": "vneid_level2", "description": "Lạ"], expect: .notScoped(.conflict)),
                "GET /api/v1/difficulties": Probe(method: .GET, path: "/api/v1/difficulties", expect: .showsNothingOf),
                "GET /api/v1/difficulties/mine": Probe(method: .GET, path: "/api/v1/difficulties/mine", expect: .showsNothingOf),
                "GET /api/v1/difficulties/:id": Probe(method: .GET, path: "/api/v1/difficulties/\(difficultyB)", expect: .refused),
                "GET /api/v1/difficulties/:id/photo": Probe(method: .GET, path: "/api/v1/difficulties/\(difficultyB)/photo", expect: .refused),
                "POST /api/v1/difficulties/:id/answer": Probe(method: .POST, path: "/api/v1/difficulties/\(difficultyB)/answer", json: ["text": "Lạ"], expect: .refused),
                "POST /api/v1/difficulties/:id/forward": Probe(method: .POST, path: "/api/v1/difficulties/\(difficultyB)/forward", json: [:], expect: .refused),
                "POST /api/v1/difficulties/:id/solve": Probe(method: .POST, path: "/api/v1/difficulties/\(difficultyB)/solve", expect: .refused),
                "POST /api/v1/difficulties/:id/reopen": Probe(method: .POST, path: "/api/v1/difficulties/\(difficultyB)/reopen", json: ["text": "Lạ"], expect: .refused),
                "POST /api/v1/difficulties/:id/promote": Probe(method: .POST, path: "/api/v1/difficulties/\(difficultyB)/promote", json: [:], expect: .refused),
                "GET /api/v1/faq": Probe(method: .GET, path: "/api/v1/faq?q=vneid", expect: .showsNothingOf),
                "GET /api/v1/announcements": Probe(method: .GET, path: "/api/v1/announcements", expect: .showsNothingOf),
                "POST /api/v1/announcements": Probe(method: .POST, path: "/api/v1/announcements", json: ["title": "Lạ", "body": "Lạ", "unit": Fixtures.communeB], expect: .refused),
                "GET /api/v1/announcements/:id": Probe(method: .GET, path: "/api/v1/announcements/\(noticeB)", expect: .refused),
                "POST /api/v1/announcements/:id/read": Probe(method: .POST, path: "/api/v1/announcements/\(noticeB)/read", expect: .refused),
                "GET /api/v1/announcements/:id/attachment": Probe(method: .GET, path: "/api/v1/announcements/\(noticeB)/attachment", expect: .refused),
                "GET /api/v1/guides": Probe(method: .GET, path: "/api/v1/guides", expect: .showsNothingOf),
                "POST /api/v1/guides": Probe(method: .POST, path: "/api/v1/guides", json: ["title": "Lạ", "service": "xu_lang_rieng"], expect: .refused),
                "GET /api/v1/guides/:id": Probe(method: .GET, path: "/api/v1/guides/\(guideIDB)", expect: .refused),
                "PUT /api/v1/guides/:id": Probe(method: .PUT, path: "/api/v1/guides/\(guideIDB)", json: ["title": "Lạ"], expect: .refused),
                "GET /api/v1/guides/images/:id": Probe(method: .GET, path: "/api/v1/guides/images/\(imageB)", expect: .refused),
                "POST /api/v1/units/:code/team-imports": Probe(method: .POST, path: "/api/v1/units/\(Fixtures.communeB)/team-imports", body: csv, expect: .refused),
                "POST /api/v1/units/:code/resident-imports": Probe(method: .POST, path: "/api/v1/units/\(Fixtures.communeB)/resident-imports", body: csv, expect: .refused),
                "GET /api/v1/resident-imports/template.xlsx": Probe(method: .GET, path: "/api/v1/resident-imports/template.xlsx", expect: .notScoped(.ok)),
                "GET /api/v1/team-imports/template.xlsx": Probe(method: .GET, path: "/api/v1/team-imports/template.xlsx", expect: .notScoped(.ok)),
                "GET /api/v1/teams": Probe(method: .GET, path: "/api/v1/teams?unit=\(Fixtures.communeB)", expect: .refused),
                "POST /api/v1/teams": Probe(method: .POST, path: "/api/v1/teams", json: ["unit": Fixtures.communeB, "decisionNumber": "1/QĐ", "decisionDate": "2025-08-01", "decisionSigner": "Lê B"], expect: .refused),
                "GET /api/v1/teams/:id": Probe(method: .GET, path: "/api/v1/teams/\(teamB)", expect: .refused),
                "PATCH /api/v1/teams/:id": Probe(method: .PATCH, path: "/api/v1/teams/\(teamB)", json: ["name": "Đổi tên"], expect: .refused),
                "POST /api/v1/teams/:id/consolidations": Probe(method: .POST, path: "/api/v1/teams/\(teamB)/consolidations", json: ["decisionNumber": "2/QĐ", "decisionDate": "2025-09-01", "decisionSigner": "Lê B"], expect: .refused),
                "POST /api/v1/teams/:id/members": Probe(method: .POST, path: "/api/v1/teams/\(teamB)/members", json: ["fullName": "Lê C", "phone": "0911111112", "gender": "male", "role": "member"], expect: .refused),
                "POST /api/v1/memberships/:id/end": Probe(method: .POST, path: "/api/v1/memberships/\(membershipB)/end", json: ["reason": "x"], expect: .refused),
                "POST /api/v1/members/:id/transfer": Probe(method: .POST, path: "/api/v1/members/\(memberIDB)/transfer",
                                                           json: ["team": teamB, "role": "member"], expect: .refused),
                "POST /api/v1/members/:id/erase": Probe(method: .POST, path: "/api/v1/members/\(memberIDB)/erase", expect: .refused),
                "GET /api/v1/users": Probe(method: .GET, path: "/api/v1/users", expect: .showsNothingOf),
                "POST /api/v1/users": Probe(method: .POST, path: "/api/v1/users", json: ["login": "lan", "password": "mat-khau-123", "role": "commune", "scope": Fixtures.communeB], expect: .refused),
                "GET /api/v1/audit": Probe(method: .GET, path: "/api/v1/audit", expect: .showsNothingOf),
                "GET /api/v1/services": Probe(method: .GET, path: "/api/v1/services", expect: .showsNothingOf),
                "POST /api/v1/households": Probe(method: .POST, path: "/api/v1/households", json: ["hamlet": hamletB, "address": "Số 2", "headName": "Lê C"], expect: .refused),
                "GET /api/v1/residents": Probe(method: .GET, path: "/api/v1/residents?unit=\(Fixtures.communeB)", expect: .showsNothingOf),
                "POST /api/v1/residents/lookup": Probe(method: .POST, path: "/api/v1/residents/lookup", json: ["cccd": "020185012345"], expect: .showsNothingOf),
                "POST /api/v1/residents": Probe(method: .POST, path: "/api/v1/residents", json: ["hamlet": hamletB, "fullName": "Lê C", "gender": "male", "consentOn": "2026-11-01"], expect: .refused),
                "GET /api/v1/residents/:id/export": Probe(method: .GET, path: "/api/v1/residents/\(residentB)/export", expect: .refused),
                "PATCH /api/v1/residents/:id": Probe(method: .PATCH, path: "/api/v1/residents/\(residentB)", json: ["fullName": "Đổi tên"], expect: .refused),
                "POST /api/v1/residents/:id/merge": Probe(method: .POST, path: "/api/v1/residents/\(residentB)/merge", json: ["into": residentB.uuidString], expect: .refused),
                "POST /api/v1/residents/:id/erase": Probe(method: .POST, path: "/api/v1/residents/\(residentB)/erase", expect: .refused),
                "POST /api/v1/services": Probe(method: .POST, path: "/api/v1/services", json: ["code": "xu_lang", "name": "Công dân số Xứ Lạng", "pillar": "society", "province": Fixtures.provinceB], expect: .refused),
                "GET /api/v1/residents/:id": Probe(method: .GET, path: "/api/v1/residents/\(residentB)", expect: .refused),
                "POST /api/v1/sync": Probe(method: .POST, path: "/api/v1/sync", json: ["placeholder": "see below"], expect: .showsNothingOf),
                "GET /api/v1/sync": Probe(method: .GET, path: "/api/v1/sync", expect: .showsNothingOf),
                "GET /api/v1/sweep": Probe(method: .GET, path: "/api/v1/sweep?unit=\(Fixtures.communeB)&service=vneid_level2", expect: .refused),
                "GET /api/v1/indicators": Probe(method: .GET, path: "/api/v1/indicators?unit=\(Fixtures.communeB)", expect: .refused),
                "POST /api/v1/indicators": Probe(method: .POST, path: "/api/v1/indicators", json: ["code": "xu_lang.listing", "kind": "manual", "name": "Sản phẩm", "province": Fixtures.provinceB], expect: .refused),
                "GET /api/v1/dashboard": Probe(method: .GET, path: "/api/v1/dashboard?unit=\(Fixtures.communeB)", expect: .refused),
                "GET /api/v1/rankings": Probe(method: .GET, path: "/api/v1/rankings?unit=\(Fixtures.provinceB)&indicator=vneid_level2.done", expect: .refused),
                "GET /api/v1/review": Probe(method: .GET, path: "/api/v1/review?unit=\(Fixtures.provinceB)&indicator=vneid_level2.done", expect: .refused),
                "GET /api/v1/targets": Probe(method: .GET, path: "/api/v1/targets?unit=\(Fixtures.communeB)&indicator=vneid_level2.done&period=2027", expect: .refused),
                "PUT /api/v1/targets": Probe(method: .PUT, path: "/api/v1/targets", json: ["unit": hamletB, "indicator": "vneid_level2.done", "period": "2027"], expect: .refused),
                "POST /api/v1/targets/split": Probe(method: .POST, path: "/api/v1/targets/split", json: ["unit": Fixtures.communeB, "indicator": "vneid_level2.done", "period": "2027", "method": "even"], expect: .refused),
                "GET /api/v1/campaigns": Probe(method: .GET, path: "/api/v1/campaigns", expect: .showsNothingOf),
                "POST /api/v1/campaigns": Probe(method: .POST, path: "/api/v1/campaigns", json: ["name": "Chiến dịch", "start": "2026-12-01", "end": "2026-12-31", "owner": Fixtures.communeB], expect: .refused),
                "GET /api/v1/campaigns/:id": Probe(method: .GET, path: "/api/v1/campaigns/\(campaignB)", expect: .refused),
                "POST /api/v1/indicator-values": Probe(method: .POST, path: "/api/v1/indicator-values", json: ["unit": Fixtures.communeB, "indicator": "products_online"], expect: .refused),
                "GET /api/v1/report-templates": Probe(method: .GET, path: "/api/v1/report-templates", expect: .showsNothingOf),
                "POST /api/v1/report-templates": Probe(method: .POST, path: "/api/v1/report-templates", json: ["code": "xu_lang_quy", "province": Fixtures.provinceB, "name": "Mẫu", "cycle": "month", "reporter": "commune"], expect: .refused),
                "GET /api/v1/reports": Probe(method: .GET, path: "/api/v1/reports?template=to_thang&period=2026-11&unit=\(Fixtures.communeB)", expect: .refused),
                "GET /api/v1/reports/:template/:period/:reporter": Probe(method: .GET, path: reportB, expect: .refused),
                "GET /api/v1/reports/mine": Probe(method: .GET, path: "/api/v1/reports/mine", expect: .showsNothingOf),
                "PUT /api/v1/reports/:template/:period/:reporter": Probe(method: .PUT, path: reportB, json: [:], expect: .refused),
                "POST /api/v1/reports/:template/:period/:reporter/submit": Probe(method: .POST, path: reportB + "/submit", json: [:], expect: .refused),
                "POST /api/v1/reports/:template/:period/:reporter/return": Probe(method: .POST, path: reportB + "/return", json: ["reason": "Sai"], expect: .refused),
                "POST /api/v1/reports/:template/:period/:reporter/approve": Probe(method: .POST, path: reportB + "/approve", json: [:], expect: .refused),
                "POST /api/v1/reports/:template/:period/:reporter/not-received": Probe(method: .POST, path: reportB + "/not-received", json: ["reason": "Sai"], expect: .refused),
                "POST /api/v1/reports/:template/:period/:reporter/reopen": Probe(method: .POST, path: reportB + "/reopen", json: ["reason": "Sai"], expect: .refused),
                "POST /api/v1/reports/:template/:period/:reporter/exception": Probe(method: .POST, path: reportB + "/exception", json: ["reason": "Sai", "until": "2026-11-30"], expect: .refused),
            ]
            let web: [String: Probe] = [
                "GET /health": Probe(method: .GET, path: "/health", expect: .notScoped(.ok)),
                "GET /metrics": Probe(method: .GET, path: "/metrics", expect: .notScoped(.ok)),
                "GET /app": Probe(method: .GET, path: "/app", expect: .notScoped(.seeOther)),
                "GET /": Probe(method: .GET, path: "/", expect: .notScoped(.seeOther)),
                "GET /login": Probe(method: .GET, path: "/login", expect: .notScoped(.ok)),
                "POST /login": Probe(method: .POST, path: "/login", json: ["login": "xa-b", "password": "wrong"], expect: .refused),
                "GET /lang/:lang": Probe(method: .GET, path: "/lang/en", expect: .notScoped(.seeOther)),
                "POST /logout": Probe(method: .POST, path: "/logout", expect: .notScoped(.seeOther)),
                "GET /accounts": Probe(method: .GET, path: "/accounts", expect: .showsNothingOf),
                "POST /accounts": Probe(method: .POST, path: "/accounts", json: ["login": "lan", "password": "Mot-mat-khau-moi-1", "role": "commune", "scope": Fixtures.communeB], expect: .refused),
                "POST /accounts/:id/:action": Probe(method: .POST, path: "/accounts/\(userB)/disable", expect: .refused),
                "GET /account/password": Probe(method: .GET, path: "/account/password", expect: .notScoped(.ok)),
                "POST /account/password": Probe(method: .POST, path: "/account/password", json: ["currentPassword": "sai-mat-khau", "newPassword": "Mot-mat-khau-moi-1"], expect: .notScoped(.unprocessableEntity)),
                "GET /units": Probe(method: .GET, path: "/units?q=thu%20nghiem", expect: .showsNothingOf),
                "GET /units/:code": Probe(method: .GET, path: "/units/\(hamletB)", expect: .refused),
                "POST /units/:code/hamlets": Probe(method: .POST, path: "/units/\(Fixtures.communeB)/hamlets", json: ["name": "Thôn Lạ"], expect: .refused),
                "POST /units/:code/composition-policy": Probe(method: .POST, path: "/units/\(Fixtures.provinceB)/composition-policy", json: ["minimumMembers": "3"], expect: .refused),
                "GET /units/:code/sweep": Probe(method: .GET, path: "/units/\(Fixtures.communeB)/sweep?service=vneid_level2", expect: .refused),
                "GET /units/:code/import": Probe(method: .GET, path: "/units/\(Fixtures.communeB)/import", expect: .refused),
                "POST /units/:code/import": Probe(method: .POST, path: "/units/\(Fixtures.communeB)/import", expect: .refused),
                "GET /resident-template.xlsx": Probe(method: .GET, path: "/resident-template.xlsx", expect: .notScoped(.ok)),
                "GET /units/:code/import-residents": Probe(method: .GET, path: "/units/\(Fixtures.communeB)/import-residents", expect: .refused),
                "POST /units/:code/import-residents": Probe(method: .POST, path: "/units/\(Fixtures.communeB)/import-residents", expect: .refused),
                "GET /import-template.xlsx": Probe(method: .GET, path: "/import-template.xlsx", expect: .notScoped(.ok)),
                "GET /teams/new": Probe(method: .GET, path: "/teams/new?unit=\(Fixtures.communeB)", expect: .refused),
                "POST /teams": Probe(method: .POST, path: "/teams", json: ["unit": Fixtures.communeB, "decisionNumber": "1/QĐ", "decisionDate": "2025-08-01", "decisionSigner": "Lê B"], expect: .refused),
                "GET /teams/:id": Probe(method: .GET, path: "/teams/\(teamB)", expect: .refused),
                "POST /teams/:id/members": Probe(method: .POST, path: "/teams/\(teamB)/members", json: ["fullName": "Lê C", "phone": "0911111112", "gender": "male", "birthYear": "1980", "role": "member"], expect: .refused),
                "POST /teams/:id/consolidations": Probe(method: .POST, path: "/teams/\(teamB)/consolidations", json: ["decisionNumber": "2/QĐ", "decisionDate": "2025-09-01", "decisionSigner": "Lê B"], expect: .refused),
                "POST /memberships/:id/end": Probe(method: .POST, path: "/memberships/\(membershipB)/end", json: ["reason": "x"], expect: .refused),
                "POST /members/:id/transfer": Probe(method: .POST, path: "/members/\(memberIDB)/transfer", json: ["unit": hamletB, "role": "member"], expect: .refused),
                "POST /members/:id/erase": Probe(method: .POST, path: "/members/\(memberIDB)/erase", json: ["team": teamB], expect: .refused),
                "GET /audit": Probe(method: .GET, path: "/audit", expect: .showsNothingOf),
                "GET /dashboard": Probe(method: .GET, path: "/dashboard?unit=\(Fixtures.communeB)", expect: .refused),
                "GET /rankings": Probe(method: .GET, path: "/rankings?unit=\(Fixtures.provinceB)", expect: .refused),
                "POST /units/:code/former-commune": Probe(method: .POST, path: "/units/\(hamletB)/former-commune",
                                                          json: ["formerCommune": Fixtures.communeB], expect: .refused),
                "POST /dashboard/targets": Probe(method: .POST, path: "/dashboard/targets",
                                                 json: ["unit": Fixtures.communeB, "indicator": "vneid_level2.done", "period": "2027", "value": "5"],
                                                 expect: .refused),
                "POST /dashboard/targets/split": Probe(method: .POST, path: "/dashboard/targets/split",
                                                       json: ["unit": Fixtures.communeB, "indicator": "vneid_level2.done", "period": "2027",
                                                              "method": "even"], expect: .refused),
                "GET /training": Probe(method: .GET, path: "/training", expect: .showsNothingOf),
                "POST /training/courses": Probe(method: .POST, path: "/training/courses", json: ["title": "Khóa lạ", "mode": "in_person", "unit": Fixtures.communeB], expect: .refused),
                "POST /training/sessions": Probe(method: .POST, path: "/training/sessions", json: ["course": courseB, "date": "2026-11-21", "place": "Nơi lạ"], expect: .refused),
                "GET /training/sessions/:id": Probe(method: .GET, path: "/training/sessions/\(sessionB)", expect: .refused),
                "POST /training/sessions/:id/edit": Probe(method: .POST, path: "/training/sessions/\(sessionB)/edit", json: ["date": "2026-11-20", "place": "Nơi lạ"], expect: .refused),
                "POST /training/sessions/:id/remove": Probe(method: .POST, path: "/training/sessions/\(sessionB)/remove", expect: .refused),
                "GET /training/courses/:id": Probe(method: .GET, path: "/training/courses/\(courseB)", expect: .refused),
                "POST /training/courses/:id": Probe(method: .POST, path: "/training/courses/\(courseB)", json: ["title": "Khóa lạ", "mode": "in_person"], expect: .refused),
                "POST /training/courses/:id/remove": Probe(method: .POST, path: "/training/courses/\(courseB)/remove", expect: .refused),
                "POST /training/sessions/:id/attendance": Probe(method: .POST, path: "/training/sessions/\(sessionB)/attendance", json: ["members[]": memberIDB, "present[]": memberIDB], expect: .refused),
                "POST /training/sessions/:id/import": Probe(method: .POST, path: "/training/sessions/\(sessionB)/import", expect: .refused),
                "GET /members/:id": Probe(method: .GET, path: "/members/\(memberIDB)", expect: .refused),
                "GET /warnings": Probe(method: .GET, path: "/warnings?unit=\(Fixtures.communeB)", expect: .refused),
                "POST /warnings/settings": Probe(method: .POST, path: "/warnings/settings", json: ["province": Fixtures.provinceB, "idleDays": "3",
                                                                                                  "noncompliantDays": "3", "untrainedAfterDays": "3", "planPercent": "50", "unansweredDays": "3"], expect: .refused),
                "GET /notifications": Probe(method: .GET, path: "/notifications", expect: .showsNothingOf),
                "GET /account/zalo": Probe(method: .GET, path: "/account/zalo", expect: .showsNothingOf),
                "POST /account/zalo": Probe(method: .POST, path: "/account/zalo", json: ["enabled": "on"], expect: .notScoped(.unprocessableEntity)),
                "GET /zalo": Probe(method: .GET, path: "/zalo", expect: .refused),
                "GET /difficulties": Probe(method: .GET, path: "/difficulties", expect: .showsNothingOf),
                "POST /difficulties": Probe(method: .POST, path: "/difficulties", json: ["service": "xu_lang_rieng", "description": "Lạ"], expect: .notScoped(.unprocessableEntity)),
                "GET /difficulties/:id": Probe(method: .GET, path: "/difficulties/\(difficultyB)", expect: .refused),
                "GET /difficulties/:id/photo": Probe(method: .GET, path: "/difficulties/\(difficultyB)/photo", expect: .refused),
                "POST /difficulties/:id": Probe(method: .POST, path: "/difficulties/\(difficultyB)", json: ["action": "solve"], expect: .refused),
                "GET /faq": Probe(method: .GET, path: "/faq?q=vneid", expect: .showsNothingOf),
                "GET /announcements": Probe(method: .GET, path: "/announcements", expect: .showsNothingOf),
                "POST /announcements": Probe(method: .POST, path: "/announcements", json: ["title": "Lạ", "body": "Lạ", "unit": Fixtures.communeB], expect: .refused),
                "GET /announcements/:id": Probe(method: .GET, path: "/announcements/\(noticeB)", expect: .refused),
                "GET /announcements/:id/attachment": Probe(method: .GET, path: "/announcements/\(noticeB)/attachment", expect: .refused),
                "GET /guides": Probe(method: .GET, path: "/guides", expect: .showsNothingOf),
                "GET /guides/new": Probe(method: .GET, path: "/guides/new?adapts=\(guideIDB)", expect: .refused),
                "POST /guides": Probe(method: .POST, path: "/guides", json: ["title": "Lạ", "service": "xu_lang_rieng"], expect: .refused),
                "GET /guides/:id": Probe(method: .GET, path: "/guides/\(guideIDB)", expect: .refused),
                "GET /guides/:id/edit": Probe(method: .GET, path: "/guides/\(guideIDB)/edit", expect: .refused),
                "POST /guides/:id": Probe(method: .POST, path: "/guides/\(guideIDB)", json: ["title": "Lạ"], expect: .refused),
                "GET /guides/images/:id": Probe(method: .GET, path: "/guides/images/\(imageB)", expect: .refused),
                "GET /campaigns": Probe(method: .GET, path: "/campaigns", expect: .showsNothingOf),
                "GET /reports": Probe(method: .GET, path: "/reports?template=to_thang&period=2026-11", expect: .showsNothingOf),
                "GET /reports/export": Probe(method: .GET, path: "/reports/export?template=to_thang&period=2026-11&unit=\(Fixtures.communeB)&format=csv", expect: .refused),
                "GET /reports/:template/:period/:reporter": Probe(method: .GET, path: "/reports/to_thang/2026-11/\(teamB.lowercased())", expect: .refused),
                "POST /reports/:template/:period/:reporter": Probe(method: .POST, path: "/reports/to_thang/2026-11/\(teamB.lowercased())", json: ["action": "save"], expect: .refused),
                "POST /reports/:template/:period/:reporter/decide": Probe(method: .POST, path: "/reports/to_thang/2026-11/\(teamB.lowercased())/decide", json: ["decision": "approve"], expect: .refused),
                "GET /reports/:template/:period/:reporter/export": Probe(method: .GET, path: "/reports/to_thang/2026-11/\(teamB.lowercased())/export?format=csv", expect: .refused),
                "GET /campaigns/:id": Probe(method: .GET, path: "/campaigns/\(campaignB)", expect: .refused),
                "POST /campaigns": Probe(method: .POST, path: "/campaigns", json: ["owner": Fixtures.communeB, "name": "Chiến dịch lạ",
                                                                                   "start": "2027-01-01", "end": "2027-01-31"], expect: .refused),
            ]

            // Every registered route has a probe, and every probe a route.
            let registered = Set(t.app.routes.all.map { "\($0.method.rawValue) /" + $0.path.map(\.description).joined(separator: "/") })
            #expect(registered == Set(api.keys).union(web.keys))

            // Signing out would revoke the probing token itself: that route is proven in SignInTests.
            for (route, probe) in api.sorted(by: { $0.key < $1.key }) where route != "POST /api/v1/auth/logout" {
                let reply: TestApp.Reply
                if route == "POST /api/v1/sync" {
                    // A support for B's resident, and a resident in B's hamlet: both rejected, nothing said about them.
                    let batch = OutreachTests.Batch(residents: [.init(id: UUID(), hamlet: hamletB, fullName: "Lê C", gender: "male", birthYear: 1990)],
                                                    activities: [.init(id: UUID(), resident: residentB, service: "vneid_level2", outcome: "done")])
                    reply = try await t.send(.POST, probe.path, token: a, json: batch)
                    #expect(try reply.decode(SyncResponse.self).rejected == 2)
                    // The answer may repeat the hamlet code that was sent, and nothing else of B's.
                    check(route, probe, reply, secretsOfB.filter { $0 != hamletB })
                    continue
                } else if let body = probe.body {
                    reply = try await t.send(probe.method, probe.path, token: a, body: body, contentType: "text/csv")
                } else {
                    reply = try await t.send(probe.method, probe.path, token: a, json: probe.json)
                }
                check(route, probe, reply, secretsOfB)
            }
            let session = try await WebSession.signIn(t, login: "xa-a", password: "mat-khau-123")
            for (route, probe) in web.sorted(by: { $0.key < $1.key }) where route != "POST /logout" {
                let reply = try await session.send(probe.method, probe.path, form: probe.json ?? [:])
                check(route, probe, reply, secretsOfB)
            }
            #expect(try await SupportActivity.query(on: t.app.db).count() == 0)
            #expect(try await TrainingAttendance.query(on: t.app.db).filter(\.$present == true).count() == 1)
            #expect(try await TrainingSession.query(on: t.app.db).count() == 1)
            #expect(try await TrainingCourse.query(on: t.app.db).count() == 1)
            #expect(try await OutboxMessage.find(noteB, on: t.app.db)?.readAt == nil)
            #expect(try await WarningSettingsRecord.query(on: t.app.db).count() == 0)
            #expect(try await Difficulty.find(difficultyB, on: t.app.db)?.status == .answered)
            #expect(try await Difficulty.query(on: t.app.db).count() == 1)
            #expect(try await Announcement.query(on: t.app.db).count() == 1)
            // B's data is still intact.
            #expect(try await User.find(userB, on: t.app.db)?.disabled == false)
            #expect(try await UserToken.find(tokenB, on: t.app.db) != nil)
            let still = try await t.send(.GET, "/api/v1/teams/\(teamB)", token: b).decode(TeamResponse.self)
            #expect(still.name == "Tổ CNSCĐ Thôn Bản Thử Nghiệm" && still.members?.count == 1)
        }
    }

    func check(_ route: String, _ probe: Probe, _ reply: TestApp.Reply, _ secrets: [String]) {
        switch probe.expect {
        case .refused:
            #expect([.forbidden, .notFound, .unauthorized].contains(reply.status), "\(route) answered \(reply.status): \(reply.text.prefix(300))")
            for secret in secrets where secret != "xa-b" && !probe.path.contains(secret) {
                #expect(!reply.text.contains(secret), "\(route) leaked \(secret)")
            }
        case .showsNothingOf:
            #expect(reply.status == .ok, "\(route) answered \(reply.status)")
            for secret in secrets {
                #expect(!reply.text.contains(secret), "\(route) leaked \(secret)")
            }
        case .notScoped(let status):
            #expect(reply.status == status, "\(route) answered \(reply.status): \(reply.text.prefix(300))")
        }
    }

    @Test("A leader sees the team of the hamlet but may not found teams or create accounts", arguments: Engine.available)
    func leaderRights(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let commune = try await t.account("xa", role: .commune, scope: Fixtures.communeA)
            let hamlet = try await t.hamlet("Thôn Một", in: Fixtures.communeA, token: commune)
            let team = try await t.team(for: hamlet, token: commune)
            let leader = try await t.account("to-truong", role: .leader, scope: hamlet)
            #expect(try await t.send(.GET, "/api/v1/teams/\(team)", token: leader).status == .ok)
            #expect(try await t.member(team, name: "Lê Văn Tâm", phone: "0977000111", token: leader).status == .created)
            let found = try await t.send(.POST, "/api/v1/teams", token: leader, json: ["unit": hamlet, "decisionNumber": "1", "decisionDate": "2025-08-01", "decisionSigner": "X"])
            #expect(found.status == .forbidden)
            let user = try await t.send(.POST, "/api/v1/users", token: leader, json: ["login": "x1", "password": "mat-khau-123", "role": "member", "scope": hamlet])
            #expect(user.status == .forbidden)
            let noToken = try await t.send(.GET, "/api/v1/teams")
            #expect(noToken.status == .unauthorized)
            #expect(noToken.headers.first(name: "Content-Type")?.hasPrefix("application/problem+json") == true)
        }
    }
}

/// A signed-in browser-like session: cookie and CSRF token, forms sent url-encoded.
struct WebSession {
    let t: TestApp
    var cookie: String
    var csrf: String

    static func signIn(_ t: TestApp, login: String, password: String) async throws -> WebSession {
        let page = try await t.send(.GET, "/login")
        var session = WebSession(t: t, cookie: cookieHeader(page), csrf: csrfToken(page.text))
        let reply = try await session.send(.POST, "/login", form: ["login": login, "password": password, "next": "/units"])
        guard reply.status == .seeOther || reply.status == .found || reply.status == .movedPermanently else {
            throw TestFailure("sign-in failed: \(reply.status)")
        }
        session.receive(reply)
        let units = try await session.send(.GET, "/units")
        session.csrf = csrfToken(units.text)
        return session
    }

    /// The cookies a reply sets, as a `Cookie` header.
    static func cookieHeader(_ reply: TestApp.Reply) -> String {
        reply.headers["Set-Cookie"].compactMap { $0.split(separator: ";").first.map(String.init) }
            .filter { $0.hasPrefix("lantoa_session=") || $0.hasPrefix("lantoa_pre=") }.joined(separator: "; ")
    }

    /// The session cookie's value.
    var sessionID: String? {
        cookie.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.first { $0.hasPrefix("lantoa_session=") }
            .map { String($0.dropFirst("lantoa_session=".count)) }
    }

    /// Takes the cookies a reply sets, replacing those of the same name.
    mutating func receive(_ reply: TestApp.Reply) {
        var jar: [(String, String)] = cookie.split(separator: ";").compactMap { part in
            let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1).map(String.init)
            return pair.count == 2 ? (pair[0], pair[1]) : nil
        }
        for set in Self.cookieHeader(reply).split(separator: ";") {
            let pair = set.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2 else { continue }
            jar.removeAll { $0.0 == pair[0] }
            jar.append((pair[0], pair[1]))
        }
        cookie = jar.map { "\($0.0)=\($0.1)" }.joined(separator: "; ")
    }

    static func csrfToken(_ html: String) -> String {
        guard let range = html.range(of: #"name="_csrf" value=""#) else { return "" }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }

    /// A form with repeated fields (`units[]`), in order, with the CSRF token.
    func send(_ method: HTTPMethod, _ path: String, pairs: [(String, String)]) async throws -> TestApp.Reply {
        let encoded = ([("_csrf", csrf)] + pairs).map { "\($0.0.formEncoded)=\($0.1.formEncoded)" }.joined(separator: "&")
        return try await t.send(method, path, body: Data(encoded.utf8), contentType: "application/x-www-form-urlencoded", headers: [("Cookie", cookie)])
    }

    func send(_ method: HTTPMethod, _ path: String, form: [String: String] = [:], csrf: Bool = true) async throws -> TestApp.Reply {
        var fields = form
        if method != .GET && csrf { fields["_csrf"] = self.csrf }
        let encoded = fields.map { "\($0.key.formEncoded)=\($0.value.formEncoded)" }.joined(separator: "&")
        if method == .GET {
            return try await t.send(.GET, path, headers: [("Cookie", cookie)])
        }
        return try await t.send(method, path, body: Data(encoded.utf8), contentType: "application/x-www-form-urlencoded", headers: [("Cookie", cookie)])
    }
}

extension String {
    var formEncoded: String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._*")
        return addingPercentEncoding(withAllowedCharacters: allowed) ?? self
    }
}
