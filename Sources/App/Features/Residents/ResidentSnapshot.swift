import Fluent
import Foundation
import LanToaCore
import SQLKit

/// What the audit trail keeps of a resident.
extension Snapshot {
    struct ResidentSnapshot: Encodable {
        var fullName: String
        var gender: String
        var birthYear: Int
        var cccd: String
        var phone: String
        var consentOn: String
    }

    /// Personal data in the audit trail is reduced to what identifies nobody once the record is erased:
    /// initials, the masked CCCD and phone.
    static func resident(_ r: Resident) -> ResidentSnapshot {
        let initials = r.fullName.split(separator: " ").compactMap(\.first).map { "\($0)." }.joined()
        return ResidentSnapshot(fullName: initials, gender: r.gender.rawValue, birthYear: r.birthYear, cccd: r.cccdMasked,
                         phone: r.phone.isEmpty ? "" : String(r.phone.prefix(4)) + "***" + String(r.phone.suffix(3)), consentOn: r.consentOn)
    }
}
