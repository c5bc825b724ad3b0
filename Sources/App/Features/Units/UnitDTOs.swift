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

/// A page of a list: `{"items": [...], "total": N, "next": "<cursor>" | null}` (`next` is always present).
struct ListResponse<Item: Content>: Content {
    var items: [Item]
    var total: Int
    var next: String?

    init(items: [Item], total: Int, next: String?) {
        self.items = items
        self.total = total
        self.next = next
    }

    enum CodingKeys: String, CodingKey {
        case items, total, next
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(items, forKey: .items)
        try c.encode(total, forKey: .total)
        if let next { try c.encode(next, forKey: .next) } else { try c.encodeNil(forKey: .next) }
    }
}

struct UnitRef: Content, Equatable {
    var code: String
    var name: String
    var tier: Tier
}
