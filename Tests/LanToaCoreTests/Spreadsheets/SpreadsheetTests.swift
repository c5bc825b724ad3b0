import Foundation
import LanToaCore
import Testing

@Suite("Spreadsheets")
struct SpreadsheetTests {
    @Test("A workbook written by XLSXWriter reads back cell for cell, with Vietnamese text")
    func xlsxRoundTrip() throws {
        let rows = [["Thôn/Tổ dân phố", "Họ và tên"], ["Thôn Nà Sản", "Hoàng Văn Minh & <Lan>"], ["", "Trần Thị Ánh"]]
        let data = try XLSXWriter.workbook(sheetName: "Tổ", rows: rows)
        #expect(try Table.read(data).rows == rows)
    }

    @Test("CSV with BOM, quotes, semicolons and CRLF")
    func csvVariants() throws {
        let text = "\u{FEFF}a;b;c\r\n\"x; y\";\"say \"\"hi\"\"\";3\r\n\r\n"
        #expect(try Table.read(Data(text.utf8)).rows == [["a", "b", "c"], ["x; y", "say \"hi\"", "3"]])
        #expect(throws: Table.ReadError.empty) { try Table.read(Data("\n\n".utf8)) }
        #expect(throws: Table.ReadError.notUTF8) { try Table.read(Data([0xFF, 0xFE, 0x00])) }
    }

    @Test("An import plan groups rows by hamlet and reports every bad cell with its row")
    func importPlan() {
        let header = TeamImport.Column.allCases.map(\.header)
        let ok = ["Thôn A", "", "1/QĐ", "15/08/2025", "Lê B", "Lê C", "0911111111", "Nam", "1980", "Tổ trưởng", "Trưởng thôn"]
        var second = ok
        second[5] = "Lê D"; second[6] = "0911111112"; second[9] = "Tổ phó"; second[10] = ""
        guard case let .valid(plan) = TeamImport.plan(Table(rows: [header, ok, second]), today: LocalDate("2026-11-22")!) else {
            Issue.record("expected a valid plan"); return
        }
        #expect(plan.teams.count == 1 && plan.memberCount == 2 && plan.teams[0].name == "Tổ CNSCĐ Thôn A")
        var bad = ok
        bad[6] = "0911111111"; bad[8] = "abc"; bad[10] = "Hội Bóng Đá"
        guard case let .invalid(problems) = TeamImport.plan(Table(rows: [header, ok, bad]), today: LocalDate("2026-11-22")!) else {
            Issue.record("expected problems"); return
        }
        #expect(problems.map { "\($0.row)|\($0.column)" } == ["3|Số điện thoại", "3|Năm sinh", "3|Chức danh, đoàn thể"])
        guard case let .invalid(missing) = TeamImport.plan(Table(rows: [["Họ và tên"]]), today: LocalDate("2026-11-22")!) else {
            Issue.record("expected missing columns"); return
        }
        #expect(missing.contains { $0.key == "missing_column" && $0.args == ["Số điện thoại"] })
    }
}
