import Fluent
import Foundation
import LanToaCore
import Testing
import Vapor
@testable import App

@Suite("The guides library: national and provincial guides, versions, pictures without metadata")
struct GuideTests {
    static func step(_ text: String, image: Data? = nil, keep: UUID? = nil) -> GuideStepRequest {
        GuideStepRequest(text: text, image: image?.base64EncodedString(), keepImage: keep)
    }

    @Test("The ministry writes and revises a guide; a province publishes its own version, which its accounts read instead; others read the national one",
          arguments: Engine.available)
    func nationalAndProvincialVersions(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let v = try await OutreachTests.village(t)
            let ministry = try await t.account("bo", role: .admin, scope: nil)
            let provinceA = try await t.account("so-a", role: .province, scope: Fixtures.provinceA)
            let provinceB = try await t.account("so-b", role: .province, scope: Fixtures.provinceB)
            let communeB = try await t.account("xa-b", role: .commune, scope: Fixtures.communeB)

            // Only national and provincial staff write; every field is checked and named.
            let refused = try await t.send(.POST, "/api/v1/guides", token: v.commune, json: GuideRequest(
                service: "vneid_level2", title: "Hướng dẫn", steps: [Self.step("Bước một")], adapts: nil))
            #expect(refused.status == .forbidden)
            let bad = try await t.send(.POST, "/api/v1/guides", token: ministry, json: GuideRequest(
                service: "khong_co", title: " ", steps: [Self.step(" "), GuideStepRequest(text: "Ảnh hỏng", image: "!!!", keepImage: nil),
                                                          Self.step("Ảnh quá lớn", image: Data(repeating: 0xFF, count: GuideService.imageLimit + 1)),
                                                          Self.step("Ảnh không phải JPEG", image: Data("GIF89a".utf8)),
                                                          GuideStepRequest(text: "Ảnh toàn ký tự lạ", image: "????", keepImage: nil)], adapts: nil))
            #expect(bad.status == .unprocessableEntity)
            let fields = Set((try bad.decode(ErrorPageMiddleware.Problem.self).errors ?? []).map(\.field))
            #expect(fields == ["title", "service", "steps[0].text", "steps[1].image", "steps[2].image", "steps[3].image", "steps[4].image"])
            #expect(try await Guide.query(on: t.app.db).count() == 0)
            #expect(try await GuideImage.query(on: t.app.db).count() == 0)

            // Version 1, with a camera photo: its picture is kept without the location.
            let title = "Kích hoạt VNeID mức 2"
            let created = try await t.send(.POST, "/api/v1/guides", token: ministry, json: GuideRequest(
                service: "vneid_level2", title: title, steps: [Self.step("Cài ứng dụng VNeID", image: DifficultyTests.photo), Self.step("Đăng ký tài khoản")],
                adapts: nil))
            #expect(created.status == .created, "\(created.text)")
            let national = try created.decode(GuideResponse.self)
            #expect(national.version == 1 && national.unit == "Toàn quốc" && national.steps.map(\.text) == ["Cài ứng dụng VNeID", "Đăng ký tài khoản"])
            let picture = try #require(national.steps[0].image)
            let image = try await t.send(.GET, "/api/v1/guides/images/\(picture)", token: v.leader)
            #expect(image.status == .ok && image.headers.first(name: .contentType) == "image/jpeg")
            #expect(image.body == (try JPEGMetadata.stripped(DifficultyTests.photo)) && !image.text.contains("GPS"))
            // What a phone stores: the title, the steps' text and the picture.
            #expect(national.bytes == title.utf8.count + "Cài ứng dụng VNeID".utf8.count + "Đăng ký tài khoản".utf8.count + image.body.count)

            // Version 2 keeps the picture and adds a step; version 1 is still read as it was.
            let revised = try await t.send(.PUT, "/api/v1/guides/\(national.id)", token: ministry, json: GuideRequest(
                service: "vneid_level2", title: title + " (cập nhật)",
                steps: [Self.step("Cài ứng dụng VNeID", keep: picture), Self.step("Đăng ký tài khoản"), Self.step("Quét NFC trên CCCD gắn chip")], adapts: nil))
            #expect(revised.status == .ok, "\(revised.text)")
            let second = try revised.decode(GuideResponse.self)
            #expect(second.version == 2 && second.latest == 2 && second.versions.map(\.version) == [2, 1] && second.steps[0].image == picture)
            let first = try await t.send(.GET, "/api/v1/guides/\(national.id)?version=1", token: v.leader).decode(GuideResponse.self)
            #expect(first.version == 1 && first.latest == 2 && first.title == title && first.steps.count == 2)
            #expect(try await t.send(.GET, "/api/v1/guides/\(national.id)?version=3", token: v.leader).status == .notFound)
            #expect(try await t.send(.GET, "/api/v1/guides/\(national.id)?version=x", token: v.leader).status == .unprocessableEntity)
            #expect(try await GuideImage.query(on: t.app.db).count() == 1)

            // Province A's own version: the national steps and picture, one step of its own with its own picture.
            #expect(try await t.send(.PUT, "/api/v1/guides/\(national.id)", token: provinceA, json: GuideRequest(
                service: "vneid_level2", title: "Sửa bản toàn quốc", steps: [Self.step("Không được")], adapts: nil)).status == .forbidden)
            let adapted = try await t.send(.POST, "/api/v1/guides", token: provinceA, json: GuideRequest(
                service: "ecommerce_shop", title: "VNeID mức 2 (Hà Nội)",
                steps: [Self.step("Cài ứng dụng VNeID", keep: picture), Self.step("Đến điểm hỗ trợ của Công an phường", image: DifficultyTests.photo)],
                adapts: national.id))
            #expect(adapted.status == .created, "\(adapted.text)")
            let local = try adapted.decode(GuideResponse.self)
            #expect(local.service == "vneid_level2" && local.adapts == national.id && local.adaptsVersion == 2 && local.unit == "Thành phố Hà Nội")
            let localPicture = try #require(local.steps[1].image)
            #expect(try await t.send(.POST, "/api/v1/guides", token: provinceA, json: GuideRequest(
                service: nil, title: "Lần nữa", steps: [Self.step("Lần nữa")], adapts: national.id)).status == .conflict)

            // Province A's accounts read its version instead; province B's read the national one and nothing of A's.
            #expect(try await t.send(.GET, "/api/v1/guides", token: v.leader).decode([GuideSummary].self).map(\.id) == [local.id])
            #expect(try await t.send(.GET, "/api/v1/guides", token: communeB).decode([GuideSummary].self).map(\.id) == [national.id])
            #expect(try await t.send(.GET, "/api/v1/guides/\(local.id)", token: communeB).status == .notFound)
            #expect(try await t.send(.GET, "/api/v1/guides/images/\(localPicture)", token: communeB).status == .notFound)
            #expect(try await t.send(.GET, "/api/v1/guides/images/\(picture)", token: communeB).status == .ok)
            // The ministry reads both; a search without diacritics finds the guide.
            #expect(Set(try await t.send(.GET, "/api/v1/guides", token: ministry).decode([GuideSummary].self).map(\.id)) == [national.id, local.id])
            #expect(try await t.send(.GET, "/api/v1/guides?q=vneid%20muc%202", token: communeB).decode([GuideSummary].self).map(\.id) == [national.id])
            #expect(try await t.send(.GET, "/api/v1/guides?q=zalo", token: communeB).decode([GuideSummary].self).isEmpty)
            #expect(try await t.send(.GET, "/api/v1/guides?service=vneid_level2", token: v.leader).decode([GuideSummary].self).map(\.id) == [local.id])

            // Province B cannot edit A's version, nor use its picture.
            #expect(try await t.send(.PUT, "/api/v1/guides/\(local.id)", token: provinceB, json: GuideRequest(
                service: nil, title: "Lạ", steps: [Self.step("Lạ")], adapts: nil)).status == .notFound)
            let borrowed = try await t.send(.POST, "/api/v1/guides", token: provinceB, json: GuideRequest(
                service: "vneid_level2", title: "Mượn ảnh", steps: [Self.step("Mượn ảnh", keep: localPicture)], adapts: nil))
            #expect(borrowed.status == .unprocessableEntity)
            #expect((try borrowed.decode(ErrorPageMiddleware.Problem.self).errors ?? []).map(\.field) == ["steps[0].keepImage"])
            let web = try await WebSession.signIn(t, login: "so-b", password: "mat-khau-123")
            #expect(try await web.send(.POST, "/guides/\(local.id)", pairs: [("title", "Lạ")]).status == .notFound)
            let audit = try await AuditEntry.query(on: t.app.db).filter(\.$entity == "guide").count()
            #expect(audit == 3)

            // A third national version: the province's page says the national guide moved on since it wrote its own.
            let third = try await t.send(.PUT, "/api/v1/guides/\(national.id)", token: ministry, json: GuideRequest(
                service: "vneid_level2", title: title, steps: [Self.step("Cài ứng dụng VNeID", keep: picture)], adapts: nil))
            #expect(third.status == .ok)
            let provinceWeb = try await WebSession.signIn(t, login: "so-a", password: "mat-khau-123")
            #expect(try await provinceWeb.send(.GET, "/guides/\(local.id)").text.contains("Bản toàn quốc đã có bản 3"))
            #expect(try await t.send(.GET, "/api/v1/guides/\(local.id)", token: provinceA).decode(GuideResponse.self).adaptsVersion == 2)
        }
    }

    /// A multipart form as a browser sends it: text fields, then files (an empty file input sends an empty part).
    static func form(_ session: WebSession, _ fields: [(String, String)], files: [(String, Data)]) -> (Data, String) {
        let boundary = "----lantoa-guide"
        var body = Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n\(session.csrf)\r\n".utf8)
        for (name, value) in fields { body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8) }
        for (name, data) in files {
            let type = data.isEmpty ? "application/octet-stream" : "image/jpeg"
            body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"\(data.isEmpty ? "" : "anh.jpg")\"\r\nContent-Type: \(type)\r\n\r\n".utf8)
            body += data + Data("\r\n".utf8)
        }
        body += Data("--\(boundary)--\r\n".utf8)
        return (body, "multipart/form-data; boundary=\(boundary)")
    }

    @Test("On the pages a province writes a guide with a picture, publishes a second version without it, and its errors name the step")
    func writtenOnThePages() async throws {
        try await TestApp.run(.sqlite) { t in
            _ = try await OutreachTests.village(t)
            _ = try await t.account("so", role: .province, scope: Fixtures.provinceA)
            let web = try await WebSession.signIn(t, login: "so", password: "mat-khau-123")
            #expect(try await web.send(.GET, "/guides/new").text.contains("steps[5][text]"))
            // A step with a picture and no text is refused, by its number; nothing is written.
            let (wrong, wrongType) = Self.form(web, [("title", "Mở tài khoản Cổng Dịch vụ công"), ("service", "public_service_account"),
                                                     ("steps[0][text]", "Vào dichvucong.gov.vn"), ("steps[1][text]", "")],
                                               files: [("steps[0][image]", Data()), ("steps[1][image]", DifficultyTests.photo)])
            let refused = try await t.send(.POST, "/guides", body: wrong, contentType: wrongType, headers: [("Cookie", web.cookie)])
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.text.contains("Bước 2 · nội dung: bắt buộc nhập"), "\(refused.text.prefix(2000))")
            #expect(try await Guide.query(on: t.app.db).count() == 0)

            let (body, type) = Self.form(web, [("title", "Mở tài khoản Cổng Dịch vụ công"), ("service", "public_service_account"),
                                               ("steps[0][text]", "Vào dichvucong.gov.vn, chọn Đăng nhập"), ("steps[1][text]", "Chọn tài khoản định danh điện tử"),
                                               ("steps[2][text]", "")],
                                         files: [("steps[0][image]", DifficultyTests.photo), ("steps[1][image]", Data()), ("steps[2][image]", Data())])
            let posted = try await t.send(.POST, "/guides", body: body, contentType: type, headers: [("Cookie", web.cookie)])
            #expect(posted.status == .seeOther, "\(posted.text.prefix(500))")
            let guide = try #require(try await Guide.query(on: t.app.db).first())
            let path = "/guides/\(guide.id!.uuidString.lowercased())"
            #expect(posted.headers.first(name: .location) == path)
            let page = try await web.send(.GET, path).text
            #expect(page.contains("Vào dichvucong.gov.vn, chọn Đăng nhập") && page.contains("Chọn tài khoản định danh điện tử"))
            let picture = try #require(try await GuideVersion.query(on: t.app.db).first()?.steps.first?.image)
            #expect(page.contains("/guides/images/\(picture.uuidString.lowercased())"))
            #expect(try await web.send(.GET, "/guides/images/\(picture.uuidString.lowercased())").body == (try JPEGMetadata.stripped(DifficultyTests.photo)))

            // The edit form keeps the picture unless it is dropped; the second version has none, the first still has it.
            let edit = try await web.send(.GET, path + "/edit").text
            #expect(edit.contains("name=\"steps[0][keep]\" value=\"\(picture.uuidString.lowercased())\""))
            let (second, secondType) = Self.form(web, [("title", "Mở tài khoản Cổng Dịch vụ công"), ("service", "public_service_account"),
                                                       ("steps[0][text]", "Vào dichvucong.gov.vn, chọn Đăng nhập"),
                                                       ("steps[0][keep]", picture.uuidString.lowercased()), ("steps[0][drop]", "1"),
                                                       ("steps[1][text]", "Chọn tài khoản định danh điện tử")],
                                                 files: [("steps[0][image]", Data()), ("steps[1][image]", Data())])
            #expect(try await t.send(.POST, path, body: second, contentType: secondType, headers: [("Cookie", web.cookie)]).status == .seeOther)
            let versions = try await GuideVersion.query(on: t.app.db).sort(\.$version).all()
            #expect(versions.map(\.version) == [1, 2])
            #expect(versions.map { $0.steps.compactMap(\.image).count } == [1, 0])
            let latest = try await web.send(.GET, path).text
            #expect(!latest.contains("/guides/images/") && latest.contains("?version=1"))
            #expect(try await web.send(.GET, path + "?version=1").text.contains("/guides/images/\(picture.uuidString.lowercased())"))
            // A team leader reads it, and cannot write.
            let leader = try await WebSession.signIn(t, login: "to-truong", password: "mat-khau-123")
            #expect(try await leader.send(.GET, "/guides").text.contains("Mở tài khoản Cổng Dịch vụ công"))
            #expect(try await leader.send(.GET, "/guides/new").status == .forbidden)
        }
    }
}
