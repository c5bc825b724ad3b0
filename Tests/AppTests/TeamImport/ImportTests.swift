import Fluent
import Foundation
import LanToaCore
import Testing
@testable import App

@Suite("Bulk import of a commune's teams")
struct ImportTests {
    /// A 1,000-row team list: 125 hamlets of 8 members each, one leader (the hamlet head) and one deputy per team.
    static func rows(count: Int = 1000, badRow: Int? = nil) -> [[String]] {
        var rows = [TeamImport.Column.allCases.map(\.header)]
        for i in 0..<count {
            let team = i / 8
            let position = i % 8
            let role = position == 0 ? "Tổ trưởng" : position == 1 ? "Tổ phó" : "Thành viên"
            var phone = "09" + String(format: "%08d", 10_000_000 + i)
            if let badRow, i + 2 == badRow { phone = "12345" }
            rows.append(["Thôn \(team + 1)", "", "\(team + 1)/QĐ-UBND", "15/08/2025", "Nguyễn Văn Hùng",
                         "Thành viên \(i + 1)", phone, position % 2 == 0 ? "Nam" : "Nữ", "\(1970 + i % 30)", role,
                         position == 0 ? "Trưởng thôn; Chi bộ" : "Đoàn thanh niên"])
        }
        return rows
    }

    static func csv(_ rows: [[String]]) -> Data {
        let text = rows.map { $0.map { $0.contains(",") || $0.contains(";") ? "\"\($0)\"" : $0 }.joined(separator: ",") }.joined(separator: "\r\n")
        return Data([0xEF, 0xBB, 0xBF]) + Data(text.utf8)
    }

    @Test("1,000 rows with one bad row write nothing and name the row; without it all are written", arguments: Engine.available)
    func thousandRows(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let token = try await t.account("xa", role: .commune, scope: Fixtures.communeA)
            let bad = try XLSXWriter.workbook(sheetName: "Tổ", rows: Self.rows(badRow: 731))
            let rejected = try await t.send(.POST, "/api/v1/units/\(Fixtures.communeA)/team-imports", token: token, body: bad,
                                            contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            #expect(rejected.status == .unprocessableEntity)
            let problems = try rejected.json()["rows"] as? [[String: Any]] ?? []
            #expect(problems.count == 1)
            #expect(problems.first?["row"] as? Int == 731)
            #expect(problems.first?["column"] as? String == "Số điện thoại")
            #expect(try await Team.query(on: t.app.db).count() == 0)
            #expect(try await Member.query(on: t.app.db).count() == 0)
            let hamlets = try await App.Unit.query(on: t.app.db).filter(\.$tier == .hamlet).count()
            #expect(hamlets == 0)

            let good = try XLSXWriter.workbook(sheetName: "Tổ", rows: Self.rows())
            let accepted = try await t.send(.POST, "/api/v1/units/\(Fixtures.communeA)/team-imports", token: token, body: good,
                                            contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            #expect(accepted.status == .created, "\(accepted.text.prefix(500))")
            let result = try accepted.decode(ImportResultResponse.self)
            #expect(result.teams == 125 && result.members == 1000 && result.hamletsCreated == 125)
            let list = try await t.send(.GET, "/api/v1/teams?unit=\(Fixtures.communeA)&compliant=true&limit=1", token: token)
            #expect(try list.json()["total"] as? Int == 125)

            // The same file again is refused: the hamlets have teams now and the people serve in them.
            let again = try await t.send(.POST, "/api/v1/units/\(Fixtures.communeA)/team-imports", token: token, body: good,
                                         contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            #expect(again.status == .unprocessableEntity)
            #expect(try await Member.query(on: t.app.db).count() == 1000)
        }
    }

    @Test("A CSV with a BOM and several bad cells reports each with its row and column", arguments: Engine.available)
    func csvProblemsAreListed(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let token = try await t.account("xa", role: .commune, scope: Fixtures.communeA)
            var rows = Self.rows(count: 6)
            rows[2][8] = "1890"          // row 3: birth year
            rows[4][7] = "Không rõ"      // row 5: gender
            rows[5][6] = rows[1][6]      // row 6: phone repeated from row 2
            let reply = try await t.send(.POST, "/api/v1/units/\(Fixtures.communeA)/team-imports", token: token,
                                         body: Self.csv(rows), contentType: "text/csv")
            #expect(reply.status == .unprocessableEntity)
            let problems = (try reply.json()["rows"] as? [[String: Any]] ?? []).map { "\($0["row"]!)|\($0["column"]!)" }
            #expect(problems == ["3|Năm sinh", "5|Giới tính", "6|Số điện thoại"])
            #expect(try await Team.query(on: t.app.db).count() == 0)
        }
    }

    @Test("The template downloads as a workbook whose header the importer reads", arguments: Engine.available)
    func templateRoundTrips(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let token = try await t.account("xa", role: .commune, scope: Fixtures.communeA)
            let reply = try await t.send(.GET, "/api/v1/team-imports/template.xlsx", token: token)
            #expect(reply.status == .ok)
            let table = try Table.read(reply.body)
            #expect(table.rows.first == TeamImport.Column.allCases.map(\.header))
            let imported = try await t.send(.POST, "/api/v1/units/\(Fixtures.communeA)/team-imports", token: token, body: reply.body,
                                            contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            #expect(imported.status == .created)
        }
    }
}
