import Foundation

/// An organiser's attendance list (danh sách học viên) read for a training session: the organiser's own sheet, or the
/// completion list a OneTouch MOOC course exports. Members are matched by phone number; the columns are found by their
/// titles, with or without diacritics, in Vietnamese or English.
public enum AttendanceSheet {
    public enum Column: SheetColumn, Sendable {
        case phone
        case fullName
        case present
        case result
        case certificate

        public var header: String {
            switch self {
            case .phone: "Số điện thoại"
            case .fullName: "Họ và tên"
            case .present: "Có mặt"
            case .result: "Kết quả"
            case .certificate: "Số chứng chỉ"
            }
        }

        /// Other titles seen in organisers' sheets and in MOOC exports.
        var aliases: [String] {
            switch self {
            case .phone: ["SĐT", "Điện thoại", "Số ĐT", "Di động", "phone", "phone number", "mobile", "số điện thoại học viên"]
            case .fullName: ["Họ tên", "Tên học viên", "Học viên", "full name", "name", "họ và tên học viên", "họ tên học viên"]
            case .present: ["Điểm danh", "Tham dự", "attended", "present", "attendance"]
            case .result: ["Trạng thái", "Hoàn thành", "Kết quả học tập", "result", "status", "completed", "completion"]
            case .certificate: ["Chứng chỉ", "Mã chứng chỉ", "Số giấy chứng nhận", "certificate", "certificate number", "certificate no"]
            }
        }
    }

    /// One attendee as the sheet gives them.
    public struct Row: Sendable, Equatable {
        public var row: Int
        public var phone: PhoneNumber
        public var fullName: String
        public var present: Bool
        /// Passed (đạt, hoàn thành), failed, or not stated.
        public var passed: Bool?
        public var certificate: String
    }

    public struct Checked: Sendable, Equatable {
        public var rows: [Row]
        public var problems: [TeamImport.Problem]
    }

    public static var templateRows: [[String]] {
        [Column.allCases.map(\.header), ["0912345678", "Nguyễn Thị Hạnh", "Có", "Đạt", "CC-2026-0001"]]
    }

    /// Reads "có / không", "đạt / không đạt" and their English and tick-mark forms; nil for an empty cell, and a
    /// problem for anything else.
    static func yesNo(_ text: String) -> Bool?? {
        let folded = TextFolding.fold(text)
        if folded.isEmpty { return .some(nil) }
        if ["co", "x", "yes", "y", "1", "true", "dat", "hoan thanh", "da hoan thanh", "completed", "complete", "passed", "pass", "co mat"]
            .contains(folded) { return .some(true) }
        if ["khong", "no", "n", "0", "false", "khong dat", "chua dat", "chua hoan thanh", "not completed", "incomplete", "failed", "fail",
            "vang", "vang mat", "absent"].contains(folded) { return .some(false) }
        return nil
    }

    public static func check(_ table: Table) -> Checked {
        guard let header = table.rows.first else { return Checked(rows: [], problems: [.init(row: 0, column: "", key: "empty_file")]) }
        let index = Table.columns(of: header, as: Column.self)
        guard index[.phone] != nil else {
            return Checked(rows: [], problems: [.init(row: 1, column: Column.phone.header, key: "missing_column", args: [Column.phone.header])])
        }
        var rows: [Row] = []
        var problems: [TeamImport.Problem] = []
        var phones: [String: Int] = [:]
        for (n, cell) in table.dataRows(index) {
            func problem(_ c: Column, _ key: String, _ args: String...) { problems.append(.init(row: n, column: c.header, key: key, args: args)) }
            let before = problems.count
            var phone: PhoneNumber?
            if cell(.phone).isEmpty { problem(.phone, "required") } else {
                phone = try? PhoneNumber(parsing: cell(.phone))
                if phone == nil { problem(.phone, "phone", cell(.phone)) }
                else if let first = phones[phone!.digits] { problem(.phone, "duplicate_phone", phone!.digits, String(first)) }
                else { phones[phone!.digits] = n }
            }
            let present = yesNo(cell(.present))
            if present == nil { problem(.present, "yes_no", cell(.present)) }
            let passed = yesNo(cell(.result))
            if passed == nil { problem(.result, "result", cell(.result)) }
            if cell(.certificate).count > 60 { problem(.certificate, "too_long", "60") }
            guard problems.count == before, let phone, let present, let passed else { continue }
            // A completion list has no presence column: whoever is listed took part.
            rows.append(Row(row: n, phone: phone, fullName: TeamImport.normaliseName(cell(.fullName)), present: present ?? true,
                            passed: passed, certificate: cell(.certificate)))
        }
        if problems.isEmpty && rows.isEmpty { problems.append(.init(row: 0, column: "", key: "no_rows")) }
        return Checked(rows: rows, problems: problems)
    }
}
