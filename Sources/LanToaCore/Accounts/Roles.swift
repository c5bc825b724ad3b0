/// What an account may do. Every account also has a scope unit; it sees and changes only that unit's subtree.
public enum Role: String, CaseIterable, Codable, Sendable {
    /// The ministry's administrators: the whole country.
    case admin
    /// A provincial department (Sở KH&CN).
    case province
    /// A commune People's Committee (UBND xã/phường/đặc khu).
    case commune
    /// A team leader (tổ trưởng).
    case leader
    /// A team member (thành viên).
    case member
    /// Read-only access to a subtree (leaders of the Party committee, partner enterprises, inspectors).
    case viewer

    /// The tier the scope unit of such an account must have (nil: any, or none for admin).
    public var scopeTiers: [Tier] {
        switch self {
        case .admin: []
        case .province: [.province]
        case .commune: [.commune]
        case .leader, .member: [.hamlet, .commune]
        case .viewer: [.province, .commune, .hamlet]
        }
    }

    /// Official units and hamlets (creating hamlets, founding and consolidating teams).
    public var managesUnitsAndTeams: Bool { self == .admin || self == .province || self == .commune }

    /// Adding and ending memberships (leaders keep their own team's list).
    public var managesMemberships: Bool { managesUnitsAndTeams || self == .leader }

    /// Creating accounts for the subtree.
    public var managesAccounts: Bool { self == .admin || self == .province || self == .commune }

    /// Reading residents' personal data (names, birth years, households, masked CCCDs): the people who go door to door
    /// and the commune that answers for them. The ministry, provinces, viewers and partners see aggregates only.
    public var readsPersonalData: Bool { self == .commune || self == .leader || self == .member }

    /// Reading the audit trail of the subtree.
    public var readsAudit: Bool { self == .admin || self == .province || self == .commune }

    /// Whether an account with this role may create an account with `other`.
    public func mayCreate(_ other: Role) -> Bool {
        switch self {
        case .admin: true
        case .province: other != .admin
        case .commune: [.commune, .leader, .member, .viewer].contains(other)
        default: false
        }
    }
}
