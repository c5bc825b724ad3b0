/// A person's gender as recorded on the team list (giới tính).
public enum Gender: String, CaseIterable, Codable, Sendable {
    case male
    case female
    case other

    /// Reads what spreadsheets say: "Nam", "Nữ", "nu", "male", "F"...
    public init?(text: String) {
        switch TextFolding.fold(text) {
        case "nam", "male", "m": self = .male
        case "nu", "female", "f": self = .female
        case "khac", "other": self = .other
        default: return nil
        }
    }
}

/// A team member's role (vai trò): tổ trưởng (leader), tổ phó (deputy), thành viên (member).
public enum TeamRole: String, CaseIterable, Codable, Sendable {
    case leader
    case deputy
    case member

    public init?(text: String) {
        switch TextFolding.fold(text) {
        case "to truong", "truong", "leader": self = .leader
        case "to pho", "pho", "deputy": self = .deputy
        case "thanh vien", "member", "tv": self = .member
        default: return nil
        }
    }
}

/// The organisation or position a member brings to the team (đoàn thể / chức danh).
public enum Affiliation: String, CaseIterable, Codable, Sendable {
    case hamletHead = "hamlet_head"          // Trưởng thôn / tổ trưởng tổ dân phố
    case youthUnion = "youth_union"          // Đoàn Thanh niên
    case womensUnion = "womens_union"        // Hội Liên hiệp Phụ nữ
    case farmersUnion = "farmers_union"      // Hội Nông dân
    case veterans                            // Hội Cựu chiến binh
    case fatherlandFront = "fatherland_front" // Mặt trận Tổ quốc
    case partyCell = "party_cell"            // Chi bộ
    case police                              // Công an
    case teacher                             // Giáo viên
    case postTelecom = "post_telecom"        // Bưu điện / doanh nghiệp viễn thông
    case other

    /// Reads a Vietnamese or English label, with or without diacritics.
    public init?(text: String) {
        let f = TextFolding.fold(text)
        let table: [(Affiliation, [String])] = [
            (.hamletHead, ["truong thon", "truong ap", "truong ban", "truong khu pho", "to truong to dan pho", "truong thon/to dan pho", "hamlet head", "hamlet_head"]),
            (.youthUnion, ["doan thanh nien", "doan tn", "youth union", "youth_union"]),
            (.womensUnion, ["hoi phu nu", "phu nu", "hoi lhpn", "women's union", "womens_union"]),
            (.farmersUnion, ["hoi nong dan", "nong dan", "farmers' union", "farmers_union"]),
            (.veterans, ["hoi cuu chien binh", "cuu chien binh", "ccb", "veterans"]),
            (.fatherlandFront, ["mat tran to quoc", "mttq", "fatherland front", "fatherland_front"]),
            (.partyCell, ["chi bo", "bi thu chi bo", "party cell", "party_cell"]),
            (.police, ["cong an", "police"]),
            (.teacher, ["giao vien", "teacher"]),
            (.postTelecom, ["buu dien", "vien thong", "doanh nghiep buu chinh vien thong", "post/telecom", "post_telecom"]),
            (.other, ["khac", "other"]),
        ]
        for (value, labels) in table where labels.contains(f) {
            self = value
            return
        }
        return nil
    }

    /// Reads a list separated by `;` or `,` ("Trưởng thôn; Đoàn thanh niên").
    public static func parseList(_ text: String) -> (values: [Affiliation], unknown: [String]) {
        var values: [Affiliation] = []
        var unknown: [String] = []
        for part in text.split(whereSeparator: { $0 == ";" || $0 == "," }) {
            let label = String(part).trimmingWhitespace()
            guard !label.isEmpty else { continue }
            if let a = Affiliation(text: label) {
                if !values.contains(a) { values.append(a) }
            } else {
                unknown.append(label)
            }
        }
        return (values, unknown)
    }
}

/// Whether a birth year is plausible for a volunteer in `currentYear` (aged 14 to 100).
public func isPlausibleBirthYear(_ year: Int, currentYear: Int) -> Bool {
    (currentYear - 100...currentYear - 14).contains(year)
}
