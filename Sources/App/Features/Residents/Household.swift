import Fluent
import Foundation
import LanToaCore

/// A household (hộ gia đình) of a hamlet.
final class Household: Model, @unchecked Sendable {
    static let schema = "households"

    // managed fields
    @ID(key: .id) var id: UUID?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    // data fields
    @Field(key: "hamlet_id") var hamletID: UUID
    @Field(key: "unit_path") var unitPath: String
    @Field(key: "address") var address: String
    @Field(key: "head_name") var headName: String
    @Field(key: "phone") var phone: String
    @Field(key: "created_by") var createdBy: String

    init() {}
}
