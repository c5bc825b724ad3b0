import Fluent
import Foundation
import LanToaCore

/// An indicator (chỉ tiêu đánh giá) of the catalogue: how a figure is computed from the rollups. National ones
/// (`unit_path` `/`) apply everywhere; a province's own apply within it.
final class IndicatorRecord: Model, @unchecked Sendable {
    static let schema = "indicators"

    @ID(key: .id) var id: UUID?
    @Field(key: "code") var code: String
    @Field(key: "kind") var kind: IndicatorKind
    @Field(key: "name") var name: String
    @Field(key: "name_en") var nameEn: String
    /// The service counted (count and coverage indicators), or "".
    @Field(key: "service_code") var serviceCode: String
    /// The structural figure (`teams`, `members`, `teams_compliant`, `households`, `households_visited`, `residents`), or "".
    @Field(key: "figure") var figure: String
    @Field(key: "unit_path") var unitPath: String
    @Field(key: "position") var position: Int

    init() {}
}
