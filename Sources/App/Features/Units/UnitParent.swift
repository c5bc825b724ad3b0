import Fluent
import Foundation
import LanToaCore

/// A dated parent link: which unit a unit belonged to, and when.
final class UnitParent: Model, @unchecked Sendable {
    static let schema = "unit_parents"

    @ID(key: .id) var id: UUID?
    @Field(key: "unit_id") var unitID: UUID
    @Field(key: "parent_id") var parentID: UUID
    @Field(key: "valid_from") var validFrom: String
    @Field(key: "valid_to") var validTo: String

    init() {}

    init(unitID: UUID, parentID: UUID, period: ValidPeriod) {
        self.id = UUID()
        self.unitID = unitID
        self.parentID = parentID
        self.validFrom = period.from.iso
        self.validTo = period.to.iso
    }
}
