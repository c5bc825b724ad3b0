/// The named tier of an administrative unit (cấp hành chính). Since 1 July 2025 there is no district tier;
/// units of the earlier list keep theirs.
public enum Tier: String, CaseIterable, Codable, Sendable, Comparable {
    case province
    case district
    case commune
    case hamlet

    /// Finer tiers sort after coarser ones.
    public var rank: Int {
        switch self {
        case .province: 0
        case .district: 1
        case .commune: 2
        case .hamlet: 3
        }
    }

    public static func < (a: Tier, b: Tier) -> Bool { a.rank < b.rank }
}

/// The kind of a unit within its tier, as named in law (tỉnh, thành phố, xã, phường, đặc khu, thôn, tổ dân phố…).
public enum UnitKind: String, CaseIterable, Codable, Sendable {
    // province tier
    case tinh
    case thanhPhoTW = "thanh_pho_tw"
    // district tier (before 1 July 2025)
    case quan
    case huyen
    case thiXa = "thi_xa"
    case thanhPho = "thanh_pho"
    case thanhPhoThuocTP = "thanh_pho_thuoc_tp"
    // commune tier
    case xa
    case phuong
    case thiTran = "thi_tran"
    case dacKhu = "dac_khu"
    // hamlet tier (residential units created by communes)
    case thon
    case ap
    case ban
    case lang
    case xom
    case buon
    case plei
    case soc
    case khuPho = "khu_pho"
    case toDanPho = "to_dan_pho"
    case khom
    case khuDanCu = "khu_dan_cu"

    public var tier: Tier {
        switch self {
        case .tinh, .thanhPhoTW: .province
        case .quan, .huyen, .thiXa, .thanhPho, .thanhPhoThuocTP: .district
        case .xa, .phuong, .thiTran, .dacKhu: .commune
        default: .hamlet
        }
    }

    /// The word that opens the unit's full name ("Thôn", "Tổ dân phố").
    public var vietnameseName: String {
        switch self {
        case .tinh: "Tỉnh"
        case .thanhPhoTW: "Thành phố"
        case .quan: "Quận"
        case .huyen: "Huyện"
        case .thiXa: "Thị xã"
        case .thanhPho, .thanhPhoThuocTP: "Thành phố"
        case .xa: "Xã"
        case .phuong: "Phường"
        case .thiTran: "Thị trấn"
        case .dacKhu: "Đặc khu"
        case .thon: "Thôn"
        case .ap: "Ấp"
        case .ban: "Bản"
        case .lang: "Làng"
        case .xom: "Xóm"
        case .buon: "Buôn"
        case .plei: "Plei"
        case .soc: "Sóc"
        case .khuPho: "Khu phố"
        case .toDanPho: "Tổ dân phố"
        case .khom: "Khóm"
        case .khuDanCu: "Khu dân cư"
        }
    }

    public static var hamletKinds: [UnitKind] { allCases.filter { $0.tier == .hamlet } }

    /// Reads the kind of a hamlet from the start of its name ("Thôn Nà Sản" → `.thon`, "TDP 3" → `.toDanPho`),
    /// with diacritics optional.
    public static func hamletKind(fromName name: String) -> UnitKind? {
        let folded = TextFolding.fold(name)
        if folded.hasPrefix("tdp ") { return .toDanPho }
        // Longer words first, so that "khu pho" wins over "khu dan cu" and "to dan pho" is not read as something shorter.
        let ordered = hamletKinds.sorted { $0.vietnameseName.count > $1.vietnameseName.count }
        for kind in ordered where folded.hasPrefix(TextFolding.fold(kind.vietnameseName) + " ") {
            return kind
        }
        return nil
    }
}

/// How much of an old unit passed into a new one in a merge: all of it, or a part (the rest went elsewhere).
public enum LineageShare: String, Codable, Sendable {
    case full
    case partial
}

/// Lan Tỏa's own code for a hamlet: its commune's official code, a dash and a three-digit number
/// (`26734-007`). Hamlets have no national code.
public enum HamletCode {
    public static func make(communeCode: String, number: Int) -> String {
        let n = String(number)
        return communeCode + "-" + String(repeating: "0", count: max(0, 3 - n.count)) + n
    }

    public static func number(in code: String) -> Int? {
        guard let dash = code.lastIndex(of: "-") else { return nil }
        return Int(code[code.index(after: dash)...])
    }
}
