import Foundation

/// Reads the team list a commune keeps in Excel: one row per member, the team's founding decision repeated
/// on each row of its members (or given once on its first row). Nothing is decided here about the database:
/// the result is a plan, or every problem with its row number and column.
public enum TeamImport {
    /// The template's columns, in order.
    public enum Column: String, SheetColumn, Sendable {
        case hamlet
        case teamName
        case decisionNumber
        case decisionDate
        case decisionSigner
        case fullName
        case phone
        case gender
        case birthYear
        case role
        case affiliations

        /// The header as written in the template.
        public var header: String {
            switch self {
            case .hamlet: "Thôn/Tổ dân phố"
            case .teamName: "Tên tổ"
            case .decisionNumber: "Số quyết định"
            case .decisionDate: "Ngày quyết định"
            case .decisionSigner: "Người ký"
            case .fullName: "Họ và tên"
            case .phone: "Số điện thoại"
            case .gender: "Giới tính"
            case .birthYear: "Năm sinh"
            case .role: "Vai trò"
            case .affiliations: "Chức danh, đoàn thể"
            }
        }

        /// Other headers accepted for the column (English, and common variants).
        var aliases: [String] {
            switch self {
            case .hamlet: ["Thôn", "Thôn, tổ dân phố", "Ấp", "Bản", "Khu phố", "Tổ dân phố", "hamlet"]
            case .teamName: ["Tên Tổ CNSCĐ", "team name", "team"]
            case .decisionNumber: ["Số QĐ", "decision number"]
            case .decisionDate: ["Ngày QĐ", "Ngày ký", "decision date"]
            case .decisionSigner: ["Người ký QĐ", "signer", "decision signer"]
            case .fullName: ["Họ tên", "Tên thành viên", "full name", "name"]
            case .phone: ["Điện thoại", "SĐT", "Số ĐT", "phone"]
            case .gender: ["gender"]
            case .birthYear: ["birth year", "Năm sinh (yyyy)"]
            case .role: ["Chức vụ trong tổ", "role"]
            case .affiliations: ["Đoàn thể", "Chức danh", "affiliations"]
            }
        }

        public var isRequired: Bool { self != .teamName && self != .affiliations && self != .hamlet }
    }

    /// A problem in the file: a row (as numbered in the spreadsheet, header = 1; 0 for the whole file), a column
    /// (its header in the template), and what is wrong as a catalogue key (`import.problem.<key>`) with arguments.
    public struct Problem: Hashable, Sendable, Codable {
        public var row: Int
        public var column: String
        public var key: String
        public var args: [String]

        public init(row: Int, column: String, key: String, args: [String] = []) {
            self.row = row
            self.column = column
            self.key = key
            self.args = args
        }
    }

    public struct MemberRow: Sendable, Equatable {
        public var row: Int
        public var fullName: String
        public var phone: PhoneNumber
        public var gender: Gender
        public var birthYear: Int
        public var role: TeamRole
        public var affiliations: [Affiliation]
    }

    /// One team to found: under a hamlet of the commune (by name), or the commune itself when `hamlet` is nil.
    public struct TeamPlan: Sendable, Equatable {
        public var firstRow: Int
        public var hamlet: String?
        public var name: String
        public var decisionNumber: String
        public var decisionDate: LocalDate
        public var decisionSigner: String
        public var members: [MemberRow]
    }

    public struct Plan: Sendable, Equatable {
        public var teams: [TeamPlan]
        public var memberCount: Int { teams.reduce(0) { $0 + $1.members.count } }
    }

    /// The template's header row and one example row.
    public static var templateRows: [[String]] {
        [
            Column.allCases.map(\.header),
            ["Thôn Nà Sản", "Tổ CNSCĐ thôn Nà Sản", "125/QĐ-UBND", "15/08/2025", "Nguyễn Văn Hùng",
             "Hoàng Văn Minh", "0912345678", "Nam", "1978", "Tổ trưởng", "Trưởng thôn; Chi bộ"],
        ]
    }

    /// The outcome of checking a file: a plan to write, or every problem found.
    public enum Checked: Sendable, Equatable {
        case valid(Plan)
        case invalid([Problem])
    }

    /// Validates the whole table. Rows that are entirely empty are skipped.
    public static func plan(_ table: Table, today: LocalDate) -> Checked {
        guard let header = table.rows.first else {
            return .invalid([Problem(row: 0, column: "", key: "empty_file")])
        }
        var problems: [Problem] = []
        let index = Table.columns(of: header, as: Column.self)
        for column in Column.allCases where column.isRequired && index[column] == nil {
            problems.append(Problem(row: 1, column: column.header, key: "missing_column", args: [column.header]))
        }
        if index[.hamlet] == nil && index[.teamName] == nil {
            problems.append(Problem(row: 1, column: Column.hamlet.header, key: "missing_column", args: [Column.hamlet.header]))
        }
        guard problems.isEmpty else { return .invalid(problems) }

        var teams: [TeamPlan] = []
        var teamIndex: [String: Int] = [:]
        var phones: [String: Int] = [:]
        for (offset, cells) in table.rows.enumerated().dropFirst() {
            let rowNumber = offset + 1
            if cells.allSatisfy({ $0.trimmingWhitespace().isEmpty }) { continue }
            func cell(_ c: Column) -> String {
                guard let i = index[c], cells.indices.contains(i) else { return "" }
                return cells[i].trimmingWhitespace()
            }
            func problem(_ c: Column, _ key: String, _ args: String...) {
                problems.append(Problem(row: rowNumber, column: c.header, key: key, args: args))
            }
            let hamlet = cell(.hamlet)
            let key = TextFolding.fold(hamlet.isEmpty ? "#commune" : hamlet)
            let teamName = cell(.teamName)
            var decisionNumber = cell(.decisionNumber)
            var decisionDateText = cell(.decisionDate)
            var signer = cell(.decisionSigner)
            let existing = teamIndex[key]
            if let existing {
                // Decision cells may be left blank after a team's first row; if given they must agree.
                let team = teams[existing]
                if decisionNumber.isEmpty { decisionNumber = team.decisionNumber }
                else if decisionNumber != team.decisionNumber {
                    problem(.decisionNumber, "decision_differs", String(team.firstRow), team.decisionNumber)
                }
                if decisionDateText.isEmpty { decisionDateText = team.decisionDate.vietnamese }
                if signer.isEmpty { signer = team.decisionSigner }
            }
            if decisionNumber.isEmpty { problem(.decisionNumber, "required") }
            var decisionDate: LocalDate?
            if decisionDateText.isEmpty {
                problem(.decisionDate, "required")
            } else if let d = parseDate(decisionDateText) {
                if d > today { problem(.decisionDate, "future_date", d.vietnamese) } else { decisionDate = d }
            } else {
                problem(.decisionDate, "not_date", decisionDateText)
            }
            if let existing, let decisionDate, decisionDate != teams[existing].decisionDate {
                problem(.decisionDate, "decision_differs", String(teams[existing].firstRow), teams[existing].decisionDate.vietnamese)
            }
            if signer.isEmpty { problem(.decisionSigner, "required") }

            var details: MemberRules.Details?
            let memberStart = problems.count
            let checked = MemberRules.check(fullName: cell(.fullName), phone: cell(.phone), gender: cell(.gender), birthYear: cell(.birthYear),
                                     role: cell(.role), affiliations: MemberRules.affiliationLabels(cell(.affiliations)), currentYear: today.year)
            switch checked {
            case .success(let d):
                details = d
            case .failure(let found):
                for p in found.all { problems.append(Problem(row: rowNumber, column: Column(rawValue: p.field.rawValue)!.header, key: p.key.rawValue, args: p.args)) }
            }
            // A phone repeated from an earlier row is named whatever else is wrong with the row.
            if let phone = details?.phone ?? { if case .failure(let found) = checked { found.phone } else { nil } }() {
                if let first = phones[phone.digits] {
                    problem(.phone, "duplicate_phone", phone.digits, String(first))
                    details = nil
                } else {
                    phones[phone.digits] = rowNumber
                }
            }
            // The row's member problems in the order of the columns.
            let order = Dictionary(uniqueKeysWithValues: Column.allCases.enumerated().map { ($1.header, $0) })
            let rowProblems = problems[memberStart...].enumerated().sorted { a, b in
                (order[a.element.column] ?? 0, a.offset) < (order[b.element.column] ?? 0, b.offset)
            }.map(\.element)
            problems.replaceSubrange(memberStart..., with: rowProblems)
            guard let details, let decisionDate, !signer.isEmpty, !decisionNumber.isEmpty else {
                continue
            }
            let member = MemberRow(row: rowNumber, fullName: details.fullName, phone: details.phone, gender: details.gender,
                                   birthYear: details.birthYear, role: details.role, affiliations: details.affiliations)
            if let existing {
                teams[existing].members.append(member)
            } else {
                teamIndex[key] = teams.count
                let name = teamName.isEmpty ? "Tổ CNSCĐ " + (hamlet.isEmpty ? "cấp xã" : hamlet) : teamName
                teams.append(TeamPlan(firstRow: rowNumber, hamlet: hamlet.isEmpty ? nil : hamlet, name: name,
                                      decisionNumber: decisionNumber, decisionDate: decisionDate, decisionSigner: signer,
                                      members: [member]))
            }
        }
        if problems.isEmpty && teams.isEmpty {
            problems.append(Problem(row: 0, column: "", key: "no_rows"))
        }
        return problems.isEmpty ? .valid(Plan(teams: teams)) : .invalid(problems)
    }

    /// Dates as typed (`15/08/2025`, `2025-08-15`) or as Excel stores a date cell (days since 30/12/1899).
    public static func parseDate(_ text: String) -> LocalDate? {
        if let d = LocalDate(text) { return d }
        if let serial = Double(text), serial > 20000, serial < 80000 {
            let seconds = (serial.rounded(.down) - 25569) * 86400
            return LocalDate(Date(timeIntervalSince1970: seconds), timeZone: TimeZone(identifier: "UTC")!)
        }
        return nil
    }

    /// Collapses inner spaces and normalises to NFC ("nguyễn  văn a" keeps its letters; case is the writer's).
    public static func normaliseName(_ name: String) -> String {
        name.precomposedStringWithCanonicalMapping.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }
}
