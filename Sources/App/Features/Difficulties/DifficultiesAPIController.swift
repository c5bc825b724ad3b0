import Fluent
import LanToaCore
import Vapor

/// `/api/v1/difficulties` and `/api/v1/faq`: raising (idempotent by the phone's id), reading, answering, forwarding,
/// solving, reopening, promoting to the FAQ, and the FAQ's search.
enum DifficultiesAPIController {
    static func service(_ req: Request) throws -> DifficultyService { DifficultyService(scope: try req.scope, clock: req.clock) }

    static func raise(req: Request) async throws -> Response {
        let service = try service(req)
        let (d, created) = try await service.raise(try req.content.decode(RaiseDifficultyRequest.self))
        return try await service.responses([d])[0].encodeResponse(status: created ? .created : .ok, for: req)
    }

    static func list(req: Request) async throws -> [DifficultyResponse] {
        let service = try service(req)
        var path: String?
        if let code = req.query[String.self, at: "unit"], !code.isEmpty {
            let unit = try await UnitService(scope: try req.scope, clock: req.clock).find(code: code, asOf: req.clock.today())
            guard (try req.scope).contains(path: unit.path) else { throw AppError.forbidden }
            path = unit.path
        }
        let statusText = req.query[String.self, at: "status"] ?? ""
        let status = DifficultyStatus(rawValue: statusText)
        if !statusText.isEmpty, status == nil { throw AppError.invalid("status", "error.choice", DifficultyStatus.allCases.map(\.rawValue).joined(separator: ", ")) }
        return try await service.responses(try await service.list(unitPath: path, status: status))
    }

    static func mine(req: Request) async throws -> [DifficultyResponse] {
        let service = try service(req)
        return try await service.responses(try await service.mine())
    }

    static func show(req: Request) async throws -> DifficultyResponse {
        let service = try service(req)
        return try await service.responses([try await service.find(req.parameters.get("id", as: UUID.self))])[0]
    }

    static func photo(req: Request) async throws -> Response {
        let data = try await service(req).photo(req.parameters.get("id", as: UUID.self))
        let response = Response(status: .ok, body: .init(data: data))
        response.headers.contentType = .jpeg
        response.headers.cacheControl = .init(isPrivate: true, maxAge: 3600)
        return response
    }

    static func act(_ action: @escaping @Sendable (DifficultyService, UUID?, Request) async throws -> Difficulty) -> @Sendable (Request) async throws -> DifficultyResponse {
        { req in
            let service = try service(req)
            let d = try await action(service, req.parameters.get("id", as: UUID.self), req)
            return try await service.responses([d])[0]
        }
    }

    static let answer = act { s, id, req in try await s.answer(id, try req.content.decode(DifficultyTextRequest.self)) }
    static let forward = act { s, id, req in
        let empty = (req.body.data?.readableBytes ?? 0) == 0
        return try await s.forward(id, empty ? DifficultyTextRequest() : try req.content.decode(DifficultyTextRequest.self))
    }
    static let solve = act { s, id, _ in try await s.solve(id) }
    static let reopen = act { s, id, req in try await s.reopen(id, try req.content.decode(DifficultyTextRequest.self)) }

    static func promote(req: Request) async throws -> Response {
        let service = try service(req)
        let (entry, created) = try await service.promote(req.parameters.get("id", as: UUID.self), try promotion(req))
        return try await response(entry, on: req.db).encodeResponse(status: created ? .created : .ok, for: req)
    }

    /// The optional body of a promotion: absent is the description and the latest answer; a body that is there must be
    /// a valid one.
    static func promotion(_ req: Request) throws -> PromoteDifficultyRequest {
        guard let body = req.body.data, body.readableBytes > 0 else { return PromoteDifficultyRequest() }
        return try req.content.decode(PromoteDifficultyRequest.self)
    }

    static func faq(req: Request) async throws -> [FAQEntryResponse] {
        let entries = try await service(req).faq(service: req.query[String.self, at: "service"], query: req.query[String.self, at: "q"])
        var out: [FAQEntryResponse] = []
        for e in entries { out.append(try await response(e, on: req.db)) }
        return out
    }

    static func response(_ e: FAQEntry, on db: any Database) async throws -> FAQEntryResponse {
        let province = try await Rollups.lastID(e.unitPath).asyncMap { try await Unit.find($0, on: db) }
        return FAQEntryResponse(id: e.id!, service: e.serviceCode, question: e.question, answer: e.answer, province: province?.code)
    }
}
