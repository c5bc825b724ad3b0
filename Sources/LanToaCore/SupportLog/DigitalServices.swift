/// The three pillars of the national digital transformation (chính quyền số, kinh tế số, xã hội số).
public enum Pillar: String, CaseIterable, Codable, Sendable {
    case government
    case economy
    case society
}

/// Whether a service is counted per person or per household.
public enum ServiceUnit: String, Codable, Sendable {
    case person
    case household
}

/// A digital service residents are helped to adopt (dịch vụ số), with who is eligible.
public struct DigitalService: Hashable, Sendable, Codable {
    public var code: String
    public var pillar: Pillar
    public var name: String
    public var nameEn: String
    public var minimumAge: Int
    public var unit: ServiceUnit

    public init(code: String, pillar: Pillar, name: String, nameEn: String, minimumAge: Int, unit: ServiceUnit) {
        self.code = code
        self.pillar = pillar
        self.name = name
        self.nameEn = nameEn
        self.minimumAge = minimumAge
        self.unit = unit
    }

    /// Whether a person born in `birthYear` is old enough in `year` (age counted by year, as in the e-ID rules).
    public func isEligible(birthYear: Int, in year: Int) -> Bool {
        year - birthYear >= minimumAge
    }

    /// The national catalogue; provinces add their own.
    public static let nationalDefaults: [DigitalService] = [
        .init(code: "vneid_level2", pillar: .government, name: "Kích hoạt VNeID mức 2", nameEn: "VNeID level 2 activated", minimumAge: 14, unit: .person),
        .init(code: "public_service_account", pillar: .government, name: "Tài khoản Cổng Dịch vụ công quốc gia", nameEn: "National public service portal account", minimumAge: 15, unit: .person),
        .init(code: "online_dossier", pillar: .government, name: "Nộp hồ sơ dịch vụ công trực tuyến", nameEn: "Online public-service dossier submitted", minimumAge: 15, unit: .person),
        .init(code: "epayment_account", pillar: .economy, name: "Tài khoản thanh toán điện tử", nameEn: "E-payment account", minimumAge: 15, unit: .person),
        .init(code: "mobile_money", pillar: .economy, name: "Mobile Money", nameEn: "Mobile money", minimumAge: 15, unit: .person),
        .init(code: "bank_account", pillar: .economy, name: "Tài khoản ngân hàng", nameEn: "Bank account", minimumAge: 15, unit: .person),
        .init(code: "ecommerce_shop", pillar: .economy, name: "Mở gian hàng thương mại điện tử", nameEn: "E-commerce shop opened", minimumAge: 18, unit: .household),
        .init(code: "ocop_listing", pillar: .economy, name: "Sản phẩm OCOP/nông sản lên sàn", nameEn: "OCOP / farm product listed online", minimumAge: 18, unit: .household),
        .init(code: "cashless_qr", pillar: .economy, name: "Mã QR thanh toán không dùng tiền mặt", nameEn: "Cashless payment QR for a shop", minimumAge: 18, unit: .household),
        .init(code: "ehealth_book", pillar: .society, name: "Sổ sức khoẻ điện tử", nameEn: "E-health book", minimumAge: 0, unit: .person),
        .init(code: "vssid", pillar: .society, name: "Ứng dụng VssID", nameEn: "VssID social insurance app", minimumAge: 15, unit: .person),
        .init(code: "citizen_app", pillar: .society, name: "Ứng dụng công dân số của tỉnh", nameEn: "Provincial citizen app", minimumAge: 14, unit: .person),
        .init(code: "safe_internet", pillar: .society, name: "Kỹ năng sử dụng Internet an toàn", nameEn: "Safe-internet skills", minimumAge: 10, unit: .person),
        .init(code: "hamlet_zalo_group", pillar: .society, name: "Tham gia nhóm Zalo của thôn", nameEn: "Joined the hamlet's Zalo group", minimumAge: 14, unit: .person),
    ]
}

/// How a support ended (kết quả hỗ trợ).
public enum SupportOutcome: String, CaseIterable, Codable, Sendable {
    /// The service now works for the resident.
    case done
    /// Guided, but not finished (the reason says why).
    case guided
    /// The resident declined.
    case refused
}

/// Why a guided support did not finish.
public enum UnfinishedReason: String, CaseIterable, Codable, Sendable {
    case noSmartphone = "no_smartphone"
    case noNetwork = "no_network"
    case missingDocuments = "missing_documents"
    case systemError = "system_error"
    case needsFollowUp = "needs_follow_up"
    case other
}

/// Where a support was given.
public enum SupportChannel: String, CaseIterable, Codable, Sendable {
    case doorToDoor = "door_to_door"
    case oneStopDesk = "one_stop_desk"
    case communityMeeting = "community_meeting"
    case online
}
