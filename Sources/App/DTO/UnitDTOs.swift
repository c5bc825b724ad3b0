import LanToaCore
import Vapor

struct UnitResponse: Content, Equatable {
    var id: UUID
    var code: String
    var tier: Tier
    var kind: UnitKind
    var name: String
    var shortName: String
    var nameEn: String
    var parentCode: String?
    var validFrom: String?
    var validTo: String?
    var demo: Bool
}

struct LineageLinkResponse: Content {
    var date: String
    var share: LineageShare
    var unit: UnitResponse
}

struct LineageResponse: Content {
    var unit: UnitResponse
    /// The units this one was made from.
    var predecessors: [LineageLinkResponse]
    /// The units this one went into.
    var successors: [LineageLinkResponse]
}

struct CreateHamletRequest: Content {
    var parentCode: String?
    var name: String?
    var kind: String?
    var validFrom: String?
}

struct ListResponse<Item: Content>: Content {
    var items: [Item]
    var total: Int
    var next: String?
}
