import Fluent
import LanToaCore
import Vapor

/// `/api/v1/teams` and `/api/v1/memberships`.
enum TeamsAPIController {
    static func index(req: Request) async throws -> ListResponse<TeamResponse> {
        let scope = try req.scope
        let service = TeamService(scope: scope, clock: req.clock)
        let asOf = try req.asOf()
        var unit: Unit?
        if let code = req.query[String.self, at: "unit"] {
            unit = try await UnitService(scope: scope, clock: req.clock).find(code: code, asOf: asOf)
        }
        var compliant: Bool?
        if let raw = req.query[String.self, at: "compliant"] {
            guard let b = Bool(raw) else { throw AppError.invalid("compliant", "error.choice", "true, false") }
            compliant = b
        }
        var status: Team.Status?
        if let raw = req.query[String.self, at: "status"] {
            guard let s = Team.Status(rawValue: raw) else { throw AppError.invalid("status", "error.choice", "active, dissolved") }
            status = s
        }
        let page = try req.page()
        let result = try await service.list(unit: unit, compliant: compliant, status: status, limit: page.limit, offset: page.offset)
        let units = try await unitsByID(result.items.map(\.unitID), on: req.db)
        let items = try await service.responses(result.items, units: units, describe: req.describeFinding)
        return ListResponse(items: items, total: result.total, next: page.next(total: result.total))
    }

    static func show(req: Request) async throws -> TeamResponse {
        let service = TeamService(scope: try req.scope, clock: req.clock)
        let team = try await service.find(id: req.parameters.get("id", as: UUID.self))
        return try await detail(team, service: service, req: req)
    }

    static func create(req: Request) async throws -> Response {
        let service = TeamService(scope: try req.scope, clock: req.clock)
        let team = try await service.found(try req.content.decode(CreateTeamRequest.self))
        return try await detail(team, service: service, req: req).encodeResponse(status: .created, for: req)
    }

    static func update(req: Request) async throws -> TeamResponse {
        let service = TeamService(scope: try req.scope, clock: req.clock)
        let team = try await service.find(id: req.parameters.get("id", as: UUID.self))
        let updated = try await service.update(team, try req.content.decode(UpdateTeamRequest.self))
        return try await detail(updated, service: service, req: req)
    }

    static func consolidate(req: Request) async throws -> Response {
        let service = TeamService(scope: try req.scope, clock: req.clock)
        let team = try await service.find(id: req.parameters.get("id", as: UUID.self))
        let updated = try await service.consolidate(team, try req.content.decode(ConsolidateTeamRequest.self))
        return try await detail(updated, service: service, req: req).encodeResponse(status: .created, for: req)
    }

    static func addMember(req: Request) async throws -> Response {
        let service = TeamService(scope: try req.scope, clock: req.clock)
        let team = try await service.find(id: req.parameters.get("id", as: UUID.self))
        let pair = try await service.addMember(to: team, try req.content.decode(AddMemberRequest.self))
        return try await TeamService.memberResponse(pair).encodeResponse(status: .created, for: req)
    }

    static func endMembership(req: Request) async throws -> MemberResponse {
        let scope = try req.scope
        let service = TeamService(scope: scope, clock: req.clock)
        let membership = try await service.endMembership(id: req.parameters.get("id", as: UUID.self),
                                                         try req.content.decode(EndMembershipRequest.self))
        let member = try await scope.find(Member.self, membership.memberID, what: "member")
        return TeamService.memberResponse((membership, member))
    }

    static func transferMember(req: Request) async throws -> MemberResponse {
        let pair = try await MemberRecords(scope: try req.scope, clock: req.clock)
            .transfer(id: req.parameters.get("id", as: UUID.self), try req.content.decode(TransferMemberRequest.self))
        return TeamService.memberResponse(pair)
    }

    static func eraseMember(req: Request) async throws -> HTTPStatus {
        _ = try await MemberRecords(scope: try req.scope, clock: req.clock).erase(id: req.parameters.get("id", as: UUID.self))
        return .noContent
    }

    static func detail(_ team: Team, service: TeamService, req: Request) async throws -> TeamResponse {
        guard let unit = try await Unit.find(team.unitID, on: req.db) else { throw AppError.notFound(what: "unit") }
        return try await service.response(team, unit: unit, detail: true, describe: req.describeFinding)
    }

    static func unitsByID(_ ids: [UUID], on db: any Database) async throws -> [UUID: Unit] {
        let unique = Array(Set(ids))
        guard !unique.isEmpty else { return [:] }
        return Dictionary(try await Unit.query(on: db).filter(\.$id ~~ unique).all().map { ($0.id!, $0) }, uniquingKeysWith: { a, _ in a })
    }
}
