import LanToaCore
import Vapor

struct FindingResponse: Content, Equatable {
    var code: String
    var message: String
}

struct DecisionResponse: Content, Equatable {
    var number: String
    var date: String
    var signer: String
}

struct TeamResponse: Content {
    var id: UUID
    var name: String
    var unit: UnitRef
    var decision: DecisionResponse
    var status: Team.Status
    var compliant: Bool
    var compliance: [FindingResponse]
    var memberCount: Int
    var demo: Bool
    /// Only in a single team's response.
    var members: [MemberResponse]?
    var history: [HistoryEntryResponse]?
}

struct MemberResponse: Content, Equatable {
    var membershipId: UUID
    var memberId: UUID
    var fullName: String
    var phone: String
    var gender: Gender
    var birthYear: Int
    var role: TeamRole
    var affiliations: [Affiliation]
    var from: String
    var to: String?
    var endReason: String?
}

struct HistoryEntryResponse: Content, Equatable {
    var date: String
    /// `founded`, `consolidated`, `dissolved`, `joined`, `left`.
    var kind: String
    var text: String
}

struct CreateTeamRequest: Content {
    var unit: String?
    var name: String?
    var decisionNumber: String?
    var decisionDate: String?
    var decisionSigner: String?
}

struct UpdateTeamRequest: Content {
    var name: String?
    var status: String?
    var date: String?
}

struct ConsolidateTeamRequest: Content {
    var decisionNumber: String?
    var decisionDate: String?
    var decisionSigner: String?
    var note: String?
}

struct AddMemberRequest: Content {
    var fullName: String?
    var phone: String?
    var gender: String?
    var birthYear: Int?
    var role: String?
    var affiliations: [String]?
    var from: String?
}

struct EndMembershipRequest: Content {
    var date: String?
    var reason: String?
}

struct CompositionPolicyRequest: Content {
    var minimumMembers: Int?
    var maximumMembersHamlet: Int?
    var maximumMembersCommune: Int?
    var leaderMustBeHamletHead: Bool?
}

struct CompositionPolicyResponse: Content {
    var province: UnitRef
    var own: Bool
    var minimumMembers: Int
    var maximumMembersHamlet: Int?
    var maximumMembersCommune: Int?
    var leaderMustBeHamletHead: Bool
}

struct TransferMemberRequest: Content {
    var team: String?
    var role: String?
    var from: String?
}
