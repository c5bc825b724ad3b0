/// The rules a team's composition is checked against (cơ cấu tổ). National defaults; a province may set its own,
/// since provinces differ (Tuyên Quang caps hamlet teams at 5 members and commune teams at 10).
public struct CompositionPolicy: Codable, Hashable, Sendable {
    public var minimumMembers: Int
    public var maximumMembersHamlet: Int?
    public var maximumMembersCommune: Int?
    public var leaderMustBeHamletHead: Bool

    public init(minimumMembers: Int = 5, maximumMembersHamlet: Int? = nil, maximumMembersCommune: Int? = nil,
                leaderMustBeHamletHead: Bool = true) {
        self.minimumMembers = minimumMembers
        self.maximumMembersHamlet = maximumMembersHamlet
        self.maximumMembersCommune = maximumMembersCommune
        self.leaderMustBeHamletHead = leaderMustBeHamletHead
    }

    public static let national = CompositionPolicy()
}

/// A named finding about a team's composition, shown to officials rather than refused.
public enum CompositionFinding: Hashable, Sendable, Codable {
    case tooFewMembers(count: Int, minimum: Int)
    case tooManyMembers(count: Int, maximum: Int)
    case noLeader
    case severalLeaders(count: Int)
    case noDeputy
    case leaderNotHamletHead

    /// The kinds of finding, without their numbers: every code the API and the catalogue know.
    public enum Kind: String, CaseIterable, Sendable {
        case tooFewMembers = "too_few_members"
        case tooManyMembers = "too_many_members"
        case noLeader = "no_leader"
        case severalLeaders = "several_leaders"
        case noDeputy = "no_deputy"
        case leaderNotHamletHead = "leader_not_hamlet_head"
    }

    public var kind: Kind {
        switch self {
        case .tooFewMembers: .tooFewMembers
        case .tooManyMembers: .tooManyMembers
        case .noLeader: .noLeader
        case .severalLeaders: .severalLeaders
        case .noDeputy: .noDeputy
        case .leaderNotHamletHead: .leaderNotHamletHead
        }
    }

    /// A stable code for the API and filters.
    public var code: String { kind.rawValue }

    /// The numbers the finding's message names (catalogue key `finding.<code>.detail`).
    public var arguments: [String] {
        switch self {
        case let .tooFewMembers(count, minimum): [String(count), String(minimum)]
        case let .tooManyMembers(count, maximum): [String(count), String(maximum)]
        case let .severalLeaders(count): [String(count)]
        case .noLeader, .noDeputy, .leaderNotHamletHead: []
        }
    }
}

/// One current member of a team, as far as composition rules care.
public struct CompositionMember: Sendable {
    public var role: TeamRole
    public var affiliations: [Affiliation]

    public init(role: TeamRole, affiliations: [Affiliation]) {
        self.role = role
        self.affiliations = affiliations
    }
}

public enum Composition {
    /// The findings for a team of the given tier (hamlet or commune) with these current members, under `policy`.
    /// An empty result means the team is compliant.
    public static func check(members: [CompositionMember], teamTier: Tier, policy: CompositionPolicy) -> [CompositionFinding] {
        var findings: [CompositionFinding] = []
        let count = members.count
        if count < policy.minimumMembers {
            findings.append(.tooFewMembers(count: count, minimum: policy.minimumMembers))
        }
        let maximum = teamTier == .hamlet ? policy.maximumMembersHamlet : policy.maximumMembersCommune
        if let maximum, count > maximum {
            findings.append(.tooManyMembers(count: count, maximum: maximum))
        }
        let leaders = members.filter { $0.role == .leader }
        if leaders.isEmpty {
            findings.append(.noLeader)
        } else if leaders.count > 1 {
            findings.append(.severalLeaders(count: leaders.count))
        }
        if !members.contains(where: { $0.role == .deputy }) {
            findings.append(.noDeputy)
        }
        if teamTier == .hamlet, policy.leaderMustBeHamletHead, leaders.count == 1,
           !leaders[0].affiliations.contains(.hamletHead) {
            findings.append(.leaderNotHamletHead)
        }
        return findings
    }
}
