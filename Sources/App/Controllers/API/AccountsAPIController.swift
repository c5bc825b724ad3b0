import Fluent
import LanToaCore
import Vapor

/// `/api/v1/users` and `/api/v1/audit`.
enum AccountsAPIController {
    static func index(req: Request) async throws -> ListResponse<UserResponse> {
        let scope = try req.scope
        try scope.authorize(.manageAccounts)
        let page = try req.page()
        let query = scope.query(User.self)
        let total = try await query.count()
        let users = try await query.sort(\.$login).range(page.offset..<(page.offset + page.limit)).all()
        let accounts = req.accounts
        var items: [UserResponse] = []
        for user in users { items.append(try await accounts.response(user)) }
        return ListResponse(items: items, total: total, next: page.next(total: total))
    }

    static func create(req: Request) async throws -> Response {
        let accounts = req.accounts
        let user = try await accounts.create(try req.content.decode(CreateUserRequest.self), by: try req.actor)
        return try await accounts.response(user).encodeResponse(status: .created, for: req)
    }

    static func tokens(req: Request) async throws -> [TokenResponse] {
        let accounts = req.accounts
        return try await accounts.tokens(of: try await accounts.administered(try req.parameters.require("id", as: UUID.self), by: try req.actor))
    }

    static func linkMember(req: Request) async throws -> UserResponse {
        let body = try req.content.decode(LinkMemberRequest.self)
        let accounts = req.accounts
        return try await accounts.response(try await accounts.linkMember(try req.parameters.require("id", as: UUID.self), phone: body.phone,
                                                                          by: try req.actor))
    }

    static func unlock(req: Request) async throws -> UserResponse {
        let accounts = req.accounts
        return try await accounts.response(try await accounts.unlock(try req.parameters.require("id", as: UUID.self), by: try req.actor))
    }

    static func disable(req: Request) async throws -> UserResponse {
        let accounts = req.accounts
        return try await accounts.response(try await accounts.setDisabled(try req.parameters.require("id", as: UUID.self), true, by: try req.actor))
    }

    static func enable(req: Request) async throws -> UserResponse {
        let accounts = req.accounts
        return try await accounts.response(try await accounts.setDisabled(try req.parameters.require("id", as: UUID.self), false, by: try req.actor))
    }

    static func resetPassword(req: Request) async throws -> UserResponse {
        let body = try req.content.decode(ResetPasswordRequest.self)
        guard let password = body.password, !password.isEmpty else { throw AppError.invalid("password", "error.required") }
        let accounts = req.accounts
        return try await accounts.response(try await accounts.resetPassword(try req.parameters.require("id", as: UUID.self), to: password,
                                                                             by: try req.actor))
    }

    static func audit(req: Request) async throws -> ListResponse<AuditEntryResponse> {
        let scope = try req.scope
        try scope.authorize(.readAudit)
        let page = try req.page()
        var query = scope.query(AuditEntry.self)
        if let entity = req.query[String.self, at: "entity"] { query = query.filter(\.$entity == entity) }
        if let id = req.query[String.self, at: "entityId"] { query = query.filter(\.$entityID == id.lowercased()) }
        let total = try await query.count()
        let entries = try await query.sort(\.$at, .descending).range(page.offset..<(page.offset + page.limit)).all()
        let people = try await MemberPseudonyms.people(of: entries, scope: scope)
        return ListResponse(items: entries.map { response($0, person: people[$0.id!]) }, total: total, next: page.next(total: total))
    }

    static func response(_ e: AuditEntry, person: String?) -> AuditEntryResponse {
        AuditEntryResponse(id: e.id!, at: e.at, actor: e.actorLogin, action: e.action, entity: e.entity, entityId: e.entityID,
                           person: person, summary: e.summary, before: e.before, after: e.after)
    }
}

/// `/api/v1/units/{code}/composition-policy` and `/api/v1/units/{code}/team-imports`.
enum CommuneAPIController {
    static func showPolicy(req: Request) async throws -> CompositionPolicyResponse {
        let scope = try req.scope
        let province = try await provinceUnit(req: req, scope: scope)
        // Readable from inside the province (its communes apply it) and from above it.
        guard scope.contains(path: province.path) || scope.actor.scopePath.hasPrefix(province.path) else { throw AppError.forbidden }
        return try await policyResponse(province, scope: scope)
    }

    static func updatePolicy(req: Request) async throws -> CompositionPolicyResponse {
        let scope = try req.scope
        let province = try await provinceUnit(req: req, scope: scope)
        try scope.authorize(.manageUnitsAndTeams, at: province.path)
        let body = try req.content.decode(CompositionPolicyRequest.self)
        try await PolicyService(scope: scope, clock: req.clock).set(body, for: province)
        return try await policyResponse(province, scope: scope)
    }

    static func importTeams(req: Request) async throws -> Response {
        let scope = try req.scope
        guard let buffer = req.body.data, buffer.readableBytes > 0 else { throw AppError.invalid("body", "error.file_missing") }
        let outcome = try await TeamImportService(scope: scope, clock: req.clock, reader: req.tableReader)
            .importFile(Data(buffer: buffer), communeCode: try req.parameters.require("code"))
        return try await ImportResultResponse(teams: outcome.teams, members: outcome.members, hamletsCreated: outcome.hamletsCreated)
            .encodeResponse(status: .created, for: req)
    }

    static func template(req: Request) async throws -> Response {
        let data = try XLSXWriter.workbook(sheetName: "Tổ CNSCĐ", rows: TeamImport.templateRows,
                                           columnWidths: [22, 28, 16, 16, 22, 24, 14, 10, 10, 12, 28])
        let response = Response(status: .ok, body: .init(data: data))
        response.headers.contentType = HTTPMediaType(type: "application", subType: "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response.headers.contentDisposition = .init(.attachment, filename: "mau-nhap-to-cnscd.xlsx")
        return response
    }

    static func provinceUnit(req: Request, scope: Scope) async throws -> Unit {
        let unit = try await UnitService(scope: scope, clock: req.clock).find(code: try req.parameters.require("code"), asOf: req.clock.today())
        guard unit.tier == .province else { throw AppError.invalid("code", "error.not_province") }
        return unit
    }

    static func policyResponse(_ province: Unit, scope: Scope) async throws -> CompositionPolicyResponse {
        let record = try await CompositionPolicyRecord.query(on: scope.db).filter(\.$provinceID == province.id!).first()
        let p = record?.policy ?? .national
        return CompositionPolicyResponse(province: UnitRef(code: province.code, name: province.name, tier: province.tier), own: record != nil,
                                         minimumMembers: p.minimumMembers, maximumMembersHamlet: p.maximumMembersHamlet,
                                         maximumMembersCommune: p.maximumMembersCommune, leaderMustBeHamletHead: p.leaderMustBeHamletHead)
    }
}
