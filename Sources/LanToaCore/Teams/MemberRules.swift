/// The rules for a member's details (thành viên Tổ CNSCĐ), written once and shared by the team page's form, the API
/// and the spreadsheet import. Each problem names its field and a key of one set (`MemberRules.Key`), shown as
/// `error.<key>` on forms and the API and `import.problem.<key>` in an import's report.
public enum MemberRules {
    public static let maximumNameLength = 120

    public enum Field: String, Sendable {
        case fullName, phone, gender, birthYear, role, affiliations
    }

    public enum Key: String, CaseIterable, Sendable {
        case required
        case tooLong = "too_long"
        case phone
        case gender
        case birthYear = "birth_year"
        case role
        case affiliation
    }

    public struct Problem: Equatable, Sendable {
        public var field: Field
        public var key: Key
        public var args: [String]
    }

    /// A member's details once every rule holds.
    public struct Details: Equatable, Sendable {
        public var fullName: String
        public var phone: PhoneNumber
        public var gender: Gender
        public var birthYear: Int
        public var role: TeamRole
        public var affiliations: [Affiliation]
    }

    /// Checks the details as typed. `birthYear` may come from a spreadsheet cell (`1990` or `1990.0`);
    /// genders, roles and affiliations are read by code (`female`) or as people write them (`Nữ`, `Tổ phó`, `Hội Phụ nữ`).
    public static func check(fullName rawName: String?, phone rawPhone: String?, gender rawGender: String?, birthYear rawYear: String?,
                             role rawRole: String?, affiliations rawAffiliations: [String], currentYear: Int) -> Result<Details, Problems> {
        var problems: [Problem] = []
        func problem(_ field: Field, _ key: Key, _ args: String...) { problems.append(Problem(field: field, key: key, args: args)) }
        func given(_ text: String?, _ field: Field) -> String? {
            guard let text = text?.trimmingWhitespace(), !text.isEmpty else { problem(field, .required); return nil }
            return text
        }
        let fullName = given(rawName, .fullName).map(TeamImport.normaliseName)
        if let fullName, fullName.count > maximumNameLength { problem(.fullName, .tooLong, String(maximumNameLength)) }
        var phone: PhoneNumber?
        if let raw = given(rawPhone, .phone) {
            phone = try? PhoneNumber(parsing: raw)
            if phone == nil { problem(.phone, .phone, raw) }
        }
        var gender: Gender?
        if let raw = given(rawGender, .gender) {
            gender = Gender(rawValue: raw) ?? Gender(text: raw)
            if gender == nil { problem(.gender, .gender, raw) }
        }
        var birthYear: Int?
        if let raw = given(rawYear, .birthYear) {
            if let y = Int(raw.split(separator: ".").first ?? ""), isPlausibleBirthYear(y, currentYear: currentYear) {
                birthYear = y
            } else {
                problem(.birthYear, .birthYear, raw)
            }
        }
        var role: TeamRole?
        if let raw = given(rawRole, .role) {
            role = TeamRole(rawValue: raw) ?? TeamRole(text: raw)
            if role == nil { problem(.role, .role, raw) }
        }
        var affiliations: [Affiliation] = []
        for raw in rawAffiliations.map({ $0.trimmingWhitespace() }) where !raw.isEmpty {
            if let a = Affiliation(rawValue: raw) ?? Affiliation(text: raw) {
                if !affiliations.contains(a) { affiliations.append(a) }
            } else {
                problem(.affiliations, .affiliation, raw)
            }
        }
        guard problems.isEmpty, let fullName, let phone, let gender, let birthYear, let role else { return .failure(Problems(all: problems, phone: phone)) }
        return .success(Details(fullName: fullName, phone: phone, gender: gender, birthYear: birthYear, role: role, affiliations: affiliations))
    }

    public struct Problems: Error, Equatable, Sendable {
        public var all: [Problem]
        /// The phone number, when it was valid although other details were not (an import still checks it for repeats).
        public var phone: PhoneNumber?
    }

    /// The affiliations written in one spreadsheet cell, separated by `;` or `,`.
    public static func affiliationLabels(_ cell: String) -> [String] {
        cell.split(whereSeparator: { $0 == ";" || $0 == "," }).map { String($0).trimmingWhitespace() }.filter { !$0.isEmpty }
    }
}
