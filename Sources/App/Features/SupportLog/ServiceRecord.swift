import Fluent
import Foundation
import LanToaCore

/// A digital service of the catalogue: national (`unit_path` `/`) or a province's own (its path).
final class ServiceRecord: Model, @unchecked Sendable {
    static let schema = "services"

    @ID(key: .id) var id: UUID?
    @Field(key: "code") var code: String
    @Field(key: "pillar") var pillar: Pillar
    @Field(key: "name") var name: String
    @Field(key: "name_en") var nameEn: String
    @Field(key: "minimum_age") var minimumAge: Int
    @Field(key: "unit") var unit: ServiceUnit
    @Field(key: "unit_path") var unitPath: String
    @Field(key: "active") var active: Bool

    init() {}

    var service: DigitalService {
        DigitalService(code: code, pillar: pillar, name: name, nameEn: nameEn, minimumAge: minimumAge, unit: unit)
    }
}
