import LanToaCore
import Vapor

/// `/api/v1/units`: the administrative units as of a date, their lineage, and new hamlets.
enum UnitsAPIController {
    static func index(req: Request) async throws -> ListResponse<UnitResponse> {
        let service = UnitService(scope: try req.scope, clock: req.clock)
        let asOf = try req.asOf()
        var tier: Tier?
        if let raw = req.query[String.self, at: "tier"] {
            guard let t = Tier(rawValue: raw) else { throw AppError.invalid("tier", "error.choice", Tier.allCases.map(\.rawValue).joined(separator: ", ")) }
            tier = t
        }
        let page = try req.page()
        let result = try await service.list(.init(tier: tier, parentCode: req.query[String.self, at: "parent"],
                                                  query: req.query[String.self, at: "q"], asOf: asOf,
                                                  limit: page.limit, offset: page.offset))
        return ListResponse(items: try await service.responses(result.items, asOf: asOf), total: result.total,
                            next: page.next(total: result.total))
    }

    static func show(req: Request) async throws -> UnitResponse {
        let service = UnitService(scope: try req.scope, clock: req.clock)
        let asOf = try req.asOf()
        let unit = try await service.find(code: try req.parameters.require("code"), asOf: asOf)
        return try await service.responses([unit], asOf: asOf)[0]
    }

    static func lineage(req: Request) async throws -> LineageResponse {
        let service = UnitService(scope: try req.scope, clock: req.clock)
        let unit = try await service.find(code: try req.parameters.require("code"), asOf: try req.asOf())
        return try await service.lineage(of: unit)
    }

    /// `PUT /api/v1/units/{code}/former-commune` `{"formerCommune": "CODE"}`: corrects a hamlet's commune before 1 July 2025.
    static func setFormerCommune(req: Request) async throws -> UnitResponse {
        struct Body: Content { var formerCommune: String? }
        let service = UnitService(scope: try req.scope, clock: req.clock)
        let unit = try await service.setFormerCommune(hamletCode: try req.parameters.require("code"),
                                                      formerCode: try req.content.decode(Body.self).formerCommune)
        return try await service.responses([unit], asOf: req.clock.today())[0]
    }

    static func create(req: Request) async throws -> Response {
        let body = try req.content.decode(CreateHamletRequest.self)
        let service = UnitService(scope: try req.scope, clock: req.clock)
        let unit = try await service.createHamlet(body)
        let response = try await service.responses([unit], asOf: req.clock.today())[0]
        return try await response.encodeResponse(status: .created, for: req)
    }
}

extension Request {
    /// The `asOf` query parameter (`yyyy-MM-dd`), today by default.
    func asOf() throws -> LocalDate {
        guard let raw = query[String.self, at: "asOf"], !raw.isEmpty else { return clock.today() }
        guard let date = LocalDate(raw) else { throw AppError.invalid("asOf", "error.date") }
        return date
    }

    struct Page {
        var limit: Int
        var offset: Int

        func next(total: Int) -> String? {
            offset + limit < total ? String(offset + limit) : nil
        }
    }

    /// `limit` (1–1000, default 100) and `cursor` (the `next` of the previous page).
    func page() throws -> Page {
        var limit = 100
        if let raw = query[String.self, at: "limit"] {
            guard let l = Int(raw), (1...1000).contains(l) else { throw AppError.invalid("limit", "error.range", "1", "1000") }
            limit = l
        }
        var offset = 0
        if let raw = query[String.self, at: "cursor"], !raw.isEmpty {
            guard let o = Int(raw), o >= 0 else { throw AppError.invalid("cursor", "error.cursor") }
            offset = o
        }
        return Page(limit: limit, offset: offset)
    }
}
