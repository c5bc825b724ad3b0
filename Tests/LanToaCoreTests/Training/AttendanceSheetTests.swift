import Foundation
import Testing
@testable import LanToaCore

@Suite("Attendance lists and MOOC completion lists")
struct AttendanceSheetTests {
    @Test func moocExportColumnsAndWordsAreRead() {
        let table = Table(rows: [
            ["STT", "Họ tên học viên", "Điện thoại", "Trạng thái", "Mã chứng chỉ"],
            ["1", "Nguyễn  Thị Hạnh", "912345678", "Hoàn thành", "MOOC-1"],
            ["2", "Lê Văn An", "+84 987 654 321", "Chưa hoàn thành", ""],
            ["", "", "", "", ""],
            ["3", "Trần Bình", "0977 000 111", "", ""],
        ])
        let checked = AttendanceSheet.check(table)
        #expect(checked.problems.isEmpty)
        #expect(checked.rows.map(\.phone.digits) == ["0912345678", "0987654321", "0977000111"])
        #expect(checked.rows.map(\.passed) == [true, false, nil])
        #expect(checked.rows.allSatisfy { $0.present })
        #expect(checked.rows[0].fullName == "Nguyễn Thị Hạnh" && checked.rows[0].certificate == "MOOC-1" && checked.rows[2].row == 5)
    }

    @Test func organiserSheetMarksAbsentees() {
        let table = Table(rows: [["So dien thoai", "Co mat", "Ket qua"], ["0912345678", "x", "Đạt"], ["0987654321", "Vắng", ""]])
        let checked = AttendanceSheet.check(table)
        #expect(checked.problems.isEmpty && checked.rows.map(\.present) == [true, false] && checked.rows.map(\.passed) == [true, nil])
    }

    @Test func everyBadRowIsNamedAndNothingPasses() {
        let table = Table(rows: [
            ["Số điện thoại", "Có mặt", "Kết quả"],
            ["12345", "có", "đạt"],
            ["0912345678", "có lẽ", "đạt"],
            ["0912345678", "có", "giỏi"],
            ["", "có", ""],
        ])
        let checked = AttendanceSheet.check(table)
        #expect(checked.problems == [
            .init(row: 2, column: "Số điện thoại", key: "phone", args: ["12345"]),
            .init(row: 3, column: "Có mặt", key: "yes_no", args: ["có lẽ"]),
            .init(row: 4, column: "Số điện thoại", key: "duplicate_phone", args: ["0912345678", "3"]),
            .init(row: 4, column: "Kết quả", key: "result", args: ["giỏi"]),
            .init(row: 5, column: "Số điện thoại", key: "required"),
        ])
    }

    @Test func aSheetWithoutPhonesIsRefused() {
        let checked = AttendanceSheet.check(Table(rows: [["Họ và tên"], ["Nguyễn Thị Hạnh"]]))
        #expect(checked.rows.isEmpty && checked.problems == [.init(row: 1, column: "Số điện thoại", key: "missing_column", args: ["Số điện thoại"])])
        #expect(AttendanceSheet.check(Table(rows: [["Số điện thoại"]])).problems == [.init(row: 0, column: "", key: "no_rows")])
    }
}
