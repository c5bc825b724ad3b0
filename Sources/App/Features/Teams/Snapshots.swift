import Fluent
import Foundation
import LanToaCore

/// What the audit trail keeps of each entity.
enum Snapshot {
    struct TeamSnapshot: Encodable {
        var name: String
        var decisionNumber: String
        var decisionDate: String
        var decisionSigner: String
        var status: String
    }

    /// A member's name and phone are kept as references (`MemberPseudonyms`), not as values.
    struct MemberSnapshot: Encodable {
        var nameRef: String
        var phoneRef: String
        var gender: String
        var birthYear: Int
        var affiliations: String
    }

    struct MembershipSnapshot: Encodable {
        var team: String
        var member: String
        var role: String
        var from: String
        var to: String
        var endReason: String
    }

    static func team(_ t: Team) -> TeamSnapshot {
        TeamSnapshot(name: t.name, decisionNumber: t.decisionNumber, decisionDate: t.decisionDate,
                     decisionSigner: t.decisionSigner, status: t.status.rawValue)
    }

    static func member(_ m: Member) -> MemberSnapshot {
        MemberSnapshot(nameRef: MemberPseudonyms.reference(m.fullName, field: "name", key: m.auditKey),
                       phoneRef: MemberPseudonyms.reference(m.phone, field: "phone", key: m.auditKey), gender: m.gender.rawValue, birthYear: m.birthYear,
                       affiliations: m.affiliationCodes)
    }

    static func membership(_ m: Membership) -> MembershipSnapshot {
        MembershipSnapshot(team: m.teamID.uuidString.lowercased(), member: m.memberID.uuidString.lowercased(), role: m.role.rawValue,
                           from: m.validFrom, to: m.validTo, endReason: m.endReason)
    }
}
