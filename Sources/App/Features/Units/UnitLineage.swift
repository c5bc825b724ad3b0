import Fluent
import Foundation
import LanToaCore

/// A lineage link of a reorganisation: part or all of an old unit went into a new one on a date.
final class UnitLineage: Model, @unchecked Sendable {
    static let schema = "unit_lineage"

    @ID(key: .id) var id: UUID?
    @Field(key: "date") var date: String
    @Field(key: "old_unit_id") var oldUnitID: UUID
    @Field(key: "new_unit_id") var newUnitID: UUID
    @Field(key: "share") var share: LineageShare

    init() {}
}
