import Fluent
import Foundation
import Testing
import Vapor
@testable import App

/// The routes officials use that no other suite drives through HTTP: indicators over the API, the dashboard's target
/// forms, the rankings and audit pages, and the two import pages with a real multipart upload.
@Suite("Official pages and routes through HTTP")
struct OfficialPagesTests {
    /// A multipart form with one file field, as a browser sends it.
    static func multipart(file: String, named name: String, boundary: String = "----lantoa-test") -> (Data, String) {
        var body = "--\(boundary)\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{csrf}\r\n"
        body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(name)\"\r\nContent-Type: text/csv\r\n\r\n"
        body += file + "\r\n--\(boundary)--\r\n"
        return (Data(body.utf8), "multipart/form-data; boundary=\(boundary)")
    }

    static func upload(_ session: WebSession, _ path: String, csv: String) async throws -> TestApp.Reply {
        let (body, type) = multipart(file: csv, named: "to.csv")
        let withToken = Data(String(decoding: body, as: UTF8.self).replacingOccurrences(of: "{csrf}", with: session.csrf).utf8)
        return try await session.t.send(.POST, path, body: withToken, contentType: type, headers: [("Cookie", session.cookie)])
    }

    @Test("Indicators are listed and a province adds its own over the API", arguments: Engine.available)
    func indicators(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let admin = try await t.account("quan-tri", role: .admin, scope: nil)
            let province = try await t.accountOverAPI("tinh-a", role: .province, scope: Fixtures.provinceA, by: admin)
            let before = try await t.send(.GET, "/api/v1/indicators?unit=\(Fixtures.communeA)", token: province)
            #expect(before.status == .ok)
            let codes = try JSONSerialization.jsonObject(with: before.body) as? [[String: Any]] ?? []
            #expect(codes.contains { $0["code"] as? String == "vneid_level2.done" })
            #expect(!codes.contains { $0["code"] as? String == "ha_noi.listing" })
            let created = try await t.send(.POST, "/api/v1/indicators", token: province, json: [
                "code": "ha_noi.listing", "kind": "manual", "name": "Sản phẩm OCOP lên sàn", "province": Fixtures.provinceA])
            #expect(created.status == .created, "\(created.text)")
            let after = try await t.send(.GET, "/api/v1/indicators?unit=\(Fixtures.communeA)", token: province)
            let listed = try JSONSerialization.jsonObject(with: after.body) as? [[String: Any]] ?? []
            #expect(listed.count == codes.count + 1)
            #expect(listed.contains { $0["code"] as? String == "ha_noi.listing" })
        }
    }

    @Test("A commune sets a hamlet's target and splits its own through the dashboard's forms; rankings and audit pages show them",
          arguments: Engine.available)
    func targetFormsRankingsAndAudit(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let admin = try await t.account("quan-tri", role: .admin, scope: nil)
            let province = try await t.accountOverAPI("tinh-a", role: .province, scope: Fixtures.provinceA, by: admin)
            let commune = try await t.accountOverAPI("xa-a", role: .commune, scope: Fixtures.communeA, by: admin, password: "mat-khau-123")
            let first = try await t.hamlet("Thôn Đông", in: Fixtures.communeA, token: commune)
            let second = try await t.hamlet("Thôn Tây", in: Fixtures.communeA, token: commune)
            let own = try await t.send(.PUT, "/api/v1/targets", token: province, json: SetTarget(unit: Fixtures.communeA, value: 100))
            #expect(own.status == .ok, "\(own.text)")

            let web = try await WebSession.signIn(t, login: "xa-a", password: "mat-khau-123")
            let page = try await web.send(.GET, "/dashboard?unit=\(Fixtures.communeA)&period=2027&indicator=vneid_level2.done")
            #expect(page.status == .ok)
            #expect(page.text.contains("Thôn Đông") && page.text.contains("Thôn Tây"))
            // A hamlet's target typed as officials write a thousand.
            let set = try await web.send(.POST, "/dashboard/targets", form: ["unit": first, "indicator": "vneid_level2.done",
                                                                             "period": "2027", "value": "1.000"])
            #expect(set.status == .seeOther)
            #expect(set.headers.first(name: "Location")?.hasPrefix("/dashboard?unit=\(first)&period=2027") == true)
            let typed = try await t.send(.GET, "/api/v1/targets?unit=\(first)&indicator=vneid_level2.done&period=2027", token: commune)
            #expect(try typed.decode(TargetsResponse.self).target?.value == 1000)
            // A value that is not a number is named on the page, and nothing changes.
            let wrong = try await web.send(.POST, "/dashboard/targets", form: ["unit": first, "indicator": "vneid_level2.done",
                                                                               "period": "2027", "value": "mười"])
            #expect(wrong.status == .unprocessableEntity)
            #expect(wrong.text.contains("số nguyên") || wrong.text.contains("Giá trị"))
            // The commune's own 100 split evenly between its two hamlets.
            let split = try await web.send(.POST, "/dashboard/targets/split", form: ["unit": Fixtures.communeA, "indicator": "vneid_level2.done",
                                                                                     "period": "2027", "method": "even"])
            #expect(split.status == .seeOther, "\(split.text.prefix(500))")
            let parts = try await t.send(.GET, "/api/v1/targets?unit=\(Fixtures.communeA)&indicator=vneid_level2.done&period=2027", token: commune)
                .decode(TargetsResponse.self)
            #expect(parts.children.map(\.value).sorted() == [50, 50])
            #expect(Set(parts.children.map(\.unit.code)) == [first, second])

            let rankings = try await web.send(.GET, "/rankings?unit=\(Fixtures.communeA)&indicator=vneid_level2.done&period=2027")
            #expect(rankings.status == .ok)
            #expect(rankings.text.contains("Thôn Đông") && rankings.text.contains("Thôn Tây"))

            let audit = try await web.send(.GET, "/audit")
            #expect(audit.status == .ok)
            // The split is in the trail, with the account that made it.
            #expect(audit.text.contains("xa-a"))
            #expect(audit.text.contains("vneid_level2.done"))
        }
    }

    struct SetTarget: Encodable {
        var unit: String
        var indicator = "vneid_level2.done"
        var period = "2027"
        var value: Double
        var reason = "Kế hoạch năm"
    }

    @Test("The import pages take a spreadsheet upload: teams founded, residents recorded, a bad file named row by row",
          arguments: Engine.available)
    func importPages(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            _ = try await t.account("xa", role: .commune, scope: Fixtures.communeA)
            let web = try await WebSession.signIn(t, login: "xa", password: "mat-khau-123")
            let form = try await web.send(.GET, "/units/\(Fixtures.communeA)/import")
            #expect(form.status == .ok && form.text.contains("type=\"file\""))
            let teams = """
            Thôn/Tổ dân phố,Số quyết định,Ngày quyết định,Người ký,Họ và tên,Số điện thoại,Giới tính,Năm sinh,Vai trò
            Thôn Nhập Thử,7/QĐ-UBND,01/08/2025,Lê Văn Bình,Lê Thị Hoa,0912000111,Nữ,1980,Tổ trưởng
            Thôn Nhập Thử,7/QĐ-UBND,01/08/2025,Lê Văn Bình,Trần Văn Nam,0912000112,Nam,1990,Thành viên
            """
            let done = try await Self.upload(web, "/units/\(Fixtures.communeA)/import", csv: teams)
            #expect(done.status == .ok, "\(done.text.prefix(400))")
            #expect(try await Team.query(on: t.app.db).filter(\.$name == "Tổ CNSCĐ Thôn Nhập Thử").first()?.memberCount == 2)
            let bad = try await Self.upload(web, "/units/\(Fixtures.communeA)/import", csv: teams.replacingOccurrences(of: "Tổ trưởng", with: "Chủ tịch")
                .replacingOccurrences(of: "Thôn Nhập Thử", with: "Thôn Khác"))
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.text.contains("Chủ tịch"))
            #expect(try await Team.query(on: t.app.db).filter(\.$name == "Tổ CNSCĐ Thôn Khác").count() == 0)

            let residentsForm = try await web.send(.GET, "/units/\(Fixtures.communeA)/import-residents")
            #expect(residentsForm.status == .ok)
            let residents = """
            Thôn/Tổ dân phố,Địa chỉ hộ,Chủ hộ,Họ và tên,Giới tính,Năm sinh,Số CCCD,Số điện thoại,Có điện thoại thông minh,Ngày đồng ý
            Thôn Nhập Thử,Số 4 ngõ 1,Lê Thị Hoa,Lê Thị Hoa,Nữ,1980,,0912000111,Có,01/11/2026
            Thôn Nhập Thử,Số 4 ngõ 1,Lê Thị Hoa,Phạm Văn Lực,Nam,1978,,,Không,01/11/2026
            """
            let recorded = try await Self.upload(web, "/units/\(Fixtures.communeA)/import-residents", csv: residents)
            #expect(recorded.status == .ok, "\(recorded.text.prefix(400))")
            #expect(try await Resident.query(on: t.app.db).count() == 2)
            #expect(try await Household.query(on: t.app.db).count() == 1)
        }
    }
}
