import Fluent
import Foundation
import LanToaCore

/// A dated name and kind of a unit, kept for units whose kind or name changed while their identity stayed
/// (Đồng Nai became a centrally-run city on 30 April 2026).
final class UnitName: Model, @unchecked Sendable {
    static let schema = "unit_names"

    @ID(key: .id) var id: UUID?
    @Field(key: "unit_id") var unitID: UUID
    @Field(key: "kind") var kind: UnitKind
    @Field(key: "name") var name: String
    @Field(key: "basis") var basis: String
    @Field(key: "valid_from") var validFrom: String
    @Field(key: "valid_to") var validTo: String

    init() {}
}
