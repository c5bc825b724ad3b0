import Fluent
import Foundation
import LanToaCore

/// A resident (người dân) of a hamlet. Personal data: the CCCD number is kept only sealed (AES-GCM), with a keyed
/// hash for look-up and its masked form for views; an erased resident keeps only what figures need.
final class Resident: Model, @unchecked Sendable {
    static let schema = "residents"

    // managed fields
    @ID(key: .id) var id: UUID?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    // data fields
    @OptionalField(key: "household_id") var householdID: UUID?
    @Field(key: "hamlet_id") var hamletID: UUID
    @Field(key: "unit_path") var unitPath: String
    @Field(key: "full_name") var fullName: String
    @Field(key: "gender") var gender: Gender
    @Field(key: "birth_year") var birthYear: Int
    @Field(key: "cccd_sealed") var cccdSealed: String
    @Field(key: "cccd_hash") var cccdHash: String
    @Field(key: "cccd_masked") var cccdMasked: String
    @Field(key: "phone") var phone: String
    @Field(key: "has_smartphone") var hasSmartphone: Bool
    @Field(key: "consent_on") var consentOn: String
    @Field(key: "consent_by") var consentBy: String
    @OptionalField(key: "erased_at") var erasedAt: Date?
    /// The resident this record was merged into (the same person recorded twice); its supports moved there.
    @OptionalField(key: "merged_into") var mergedInto: UUID?

    init() {}
}
