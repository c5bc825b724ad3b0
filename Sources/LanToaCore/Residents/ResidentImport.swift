import Foundation

/// Reads a hamlet's or commune's list of households and residents as communes keep it: one row per resident,
/// the household given by its address (rows with the same hamlet and address make one household).
public enum ResidentImport {
    public enum Column: String, SheetColumn, Sendable {
        case hamlet
        case address
        case headName
        case fullName
        case gender
        case birthYear
        case cccd
        case phone
        case smartphone
        case consentOn

        public var header: String {
            switch self {
            case .hamlet: "Thôn/Tổ dân phố"
            case .address: "Địa chỉ hộ"
            case .headName: "Chủ hộ"
            case .fullName: "Họ và tên"
            case .gender: "Giới tính"
            case .birthYear: "Năm sinh"
            case .cccd: "Số CCCD"
            case .phone: "Số điện thoại"
            case .smartphone: "Có điện thoại thông minh"
            case .consentOn: "Ngày đồng ý"
            }
        }

        var aliases: [String] {
            switch self {
            case .hamlet: ["Thôn", "Mã thôn", "hamlet"]
            case .address: ["Địa chỉ", "address"]
            case .headName: ["Tên chủ hộ", "head of household"]
            case .fullName: ["Họ tên", "full name", "name"]
            case .gender: ["gender"]
            case .birthYear: ["birth year"]
            case .cccd: ["CCCD", "Số định danh", "citizen id"]
            case .phone: ["Điện thoại", "SĐT", "phone"]
            case .smartphone: ["Điện thoại thông minh", "smartphone"]
            case .consentOn: ["Ngày đồng ý ghi nhận", "consent date"]
            }
        }

        public var isRequired: Bool { [.hamlet, .address, .fullName, .gender, .birthYear, .consentOn].contains(self) }
    }

    public struct Row: Sendable, Equatable {
        public var row: Int
        public var hamlet: String
        public var address: String
        public var headName: String
        public var fullName: String
        public var gender: Gender
        public var birthYear: Int
        public var cccd: CitizenID?
        public var phone: PhoneNumber?
        public var hasSmartphone: Bool
        public var consentOn: LocalDate
    }

    /// The rows that passed, and the problems of those that did not (the caller adds its own checks to both).
    public struct Checked: Sendable, Equatable {
        public var rows: [Row]
        public var problems: [TeamImport.Problem]
    }

    public static var templateRows: [[String]] {
        [Column.allCases.map(\.header),
         ["Tổ dân phố 3", "Số 2 ngõ 2", "Lê Văn An", "Nguyễn Thị Hạnh", "Nữ", "1985", "", "0912345678", "Có", "01/11/2026"]]
    }

    public static func check(_ table: Table, today: LocalDate) -> Checked {
        guard let header = table.rows.first else { return Checked(rows: [], problems: [.init(row: 0, column: "", key: "empty_file")]) }
        let index = Table.columns(of: header, as: Column.self)
        var problems: [TeamImport.Problem] = []
        for c in Column.allCases where c.isRequired && index[c] == nil {
            problems.append(.init(row: 1, column: c.header, key: "missing_column", args: [c.header]))
        }
        guard problems.isEmpty else { return Checked(rows: [], problems: problems) }
        var rows: [Row] = []
        var cccds: [String: Int] = [:]
        for (n, cell) in table.dataRows(index) {
            func problem(_ c: Column, _ key: String, _ args: String...) { problems.append(.init(row: n, column: c.header, key: key, args: args)) }
            let problemsBefore = problems.count
            for c in Column.allCases where c.isRequired && cell(c).isEmpty { problem(c, "required") }
            let gender = Gender(text: cell(.gender))
            if gender == nil, !cell(.gender).isEmpty { problem(.gender, "gender", cell(.gender)) }
            let year = Int(cell(.birthYear).split(separator: ".").first ?? "")
            if !cell(.birthYear).isEmpty, year == nil || !(today.year - 120...today.year).contains(year!) { problem(.birthYear, "birth_year", cell(.birthYear)) }
            var cccd: CitizenID?
            if !cell(.cccd).isEmpty {
                do {
                    cccd = try CitizenID(parsing: cell(.cccd), gender: gender, birthYear: year)
                    if let first = cccds[cccd!.digits] { problem(.cccd, "duplicate_cccd", String(first)) } else { cccds[cccd!.digits] = n }
                } catch {
                    // The number itself is never repeated back.
                    problem(.cccd, "cccd_\(error)")
                }
            }
            var phone: PhoneNumber?
            if !cell(.phone).isEmpty {
                phone = try? PhoneNumber(parsing: cell(.phone))
                if phone == nil { problem(.phone, "phone", cell(.phone)) }
            }
            let smartphoneText = TextFolding.fold(cell(.smartphone))
            let hasSmartphone = ["co", "x", "yes", "1", "true"].contains(smartphoneText)
            var consent: LocalDate?
            if !cell(.consentOn).isEmpty {
                consent = TeamImport.parseDate(cell(.consentOn))
                if consent == nil { problem(.consentOn, "not_date", cell(.consentOn)) } else if consent! > today { problem(.consentOn, "future_date", consent!.vietnamese); consent = nil }
            }
            guard problems.count == problemsBefore, let gender, let year, let consent else { continue }
            rows.append(Row(row: n, hamlet: cell(.hamlet), address: TeamImport.normaliseName(cell(.address)),
                            headName: TeamImport.normaliseName(cell(.headName)), fullName: TeamImport.normaliseName(cell(.fullName)),
                            gender: gender, birthYear: year, cccd: cccd, phone: phone, hasSmartphone: hasSmartphone, consentOn: consent))
        }
        if problems.isEmpty && rows.isEmpty { problems.append(.init(row: 0, column: "", key: "no_rows")) }
        return Checked(rows: rows, problems: problems)
    }
}
