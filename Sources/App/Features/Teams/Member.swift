import Fluent
import Foundation
import LanToaCore

/// A person serving in a team (thành viên Tổ CNSCĐ). A person serves in one team at a time; the phone number
/// identifies the person.
final class Member: Model, @unchecked Sendable {
    static let schema = "members"

    @ID(key: .id) var id: UUID?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?
    @Field(key: "full_name") var fullName: String
    @Field(key: "phone") var phone: String
    @Field(key: "gender") var gender: Gender
    @Field(key: "birth_year") var birthYear: Int
    /// Affiliation codes, comma-separated.
    @Field(key: "affiliations") var affiliationCodes: String
    /// The path of the unit of the member's current (or last) team.
    @Field(key: "unit_path") var unitPath: String
    @Field(key: "demo") var demo: Bool
    /// When the person's data was erased at their request (the row stays, so that what they did still counts).
    @OptionalField(key: "erased_at") var erasedAt: Date?
    /// The person's own key for the references the audit trail keeps instead of their name and phone
    /// (`MemberPseudonyms`); emptied at erasure, which leaves those references pointing at nobody.
    @Field(key: "audit_key") var auditKey: String

    init() {}

    var affiliations: [Affiliation] {
        get { affiliationCodes.split(separator: ",").compactMap { Affiliation(rawValue: String($0)) } }
        set { affiliationCodes = newValue.map(\.rawValue).joined(separator: ",") }
    }
}
