import Fluent
import Foundation
import LanToaCore

/// An administrative unit (đơn vị hành chính) of one version of the national list, or a hamlet created by a commune.
///
/// A code alone is not an identity (codes are reused across versions); the internal `id`, or the code with its
/// validity period, is. `parentID`, `path` and the names hold the latest state; the dated history lives in
/// `unit_parents` and `unit_names`.
final class Unit: Model, @unchecked Sendable {
    static let schema = "units"

    // managed fields
    @ID(key: .id) var id: UUID?

    // data fields
    @Field(key: "code") var code: String
    @Field(key: "tier") var tier: Tier
    @Field(key: "kind") var kind: UnitKind
    @Field(key: "name") var name: String
    @Field(key: "short_name") var shortName: String
    @Field(key: "name_en") var nameEn: String
    /// The folded name and code, for diacritic-insensitive search.
    @Field(key: "search_key") var searchKey: String
    @OptionalField(key: "parent_id") var parentID: UUID?
    /// `/<province id>/<commune id>/…/<own id>/`: the ancestors under the hierarchy the unit lives in,
    /// used to restrict queries to an account's subtree.
    @Field(key: "path") var path: String
    /// For a hamlet: its path under the hierarchy before 1 July 2025 (through its former commune), or "".
    @Field(key: "former_path") var formerPath: String
    @Field(key: "valid_from") var validFrom: String
    @Field(key: "valid_to") var validTo: String
    @Field(key: "demo") var demo: Bool

    init() {}

    init(id: UUID = UUID(), code: String, tier: Tier, kind: UnitKind, name: String, shortName: String, nameEn: String,
         parentID: UUID?, parentPath: String, validFrom: LocalDate, validTo: LocalDate = .distantFuture, demo: Bool = false) {
        self.id = id
        self.code = code
        self.tier = tier
        self.kind = kind
        self.name = name
        self.shortName = shortName
        self.nameEn = nameEn
        self.searchKey = Unit.searchKey(name: name, code: code)
        self.parentID = parentID
        self.path = parentPath + id.uuidString.lowercased() + "/"
        self.formerPath = ""
        self.validFrom = validFrom.iso
        self.validTo = validTo.iso
        self.demo = demo
    }

    static func searchKey(name: String, code: String) -> String {
        TextFolding.fold(name) + " " + code
    }

    var period: ValidPeriod {
        ValidPeriod(from: LocalDate(validFrom) ?? .distantPast, to: LocalDate(validTo) ?? .distantFuture)
    }
}
