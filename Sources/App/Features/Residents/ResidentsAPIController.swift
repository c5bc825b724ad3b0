import Fluent
import LanToaCore
import Vapor

/// `/api/v1/residents` and `/api/v1/households`: recording, reading and the residents' rights (export, correction, merge, erasure).
enum ResidentsAPIController {
    static func rights(_ req: Request) throws -> ResidentRights {
        ResidentRights(scope: try req.scope, clock: req.clock, protector: req.application.protector)
    }

    static func exportResident(req: Request) async throws -> Response {
        let export = try await rights(req).export(id: req.parameters.get("id", as: UUID.self))
        let response = try await export.encodeResponse(for: req)
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }

    static func correctResident(req: Request) async throws -> ResidentResponse {
        let r = try await rights(req).correct(id: req.parameters.get("id", as: UUID.self), try req.content.decode(ResidentPayload.self))
        return try await req.supportLog.residentResponses([r])[0]
    }

    /// `POST /api/v1/residents/{id}/merge` `{ "into": id }`: the same person recorded twice becomes one record.
    static func mergeResident(req: Request) async throws -> ResidentResponse {
        let body = try req.content.decode(MergeResidentRequest.self)
        let kept = try await rights(req).merge(id: req.parameters.get("id", as: UUID.self), into: body.into)
        return try await req.supportLog.residentResponses([kept])[0]
    }

    static func eraseResident(req: Request) async throws -> ResidentResponse {
        let r = try await rights(req).erase(id: req.parameters.get("id", as: UUID.self))
        return try await req.supportLog.residentResponses([r])[0]
    }

    /// `POST /api/v1/residents`: one resident (the same rules as a synced one).
    static func createResident(req: Request) async throws -> Response {
        let payload = try req.content.decode(ResidentPayload.self)
        let reply = try await req.supportLog.sync(SyncRequest(households: nil, residents: [payload], activities: nil)) {
            req.application.catalogue.text($0.key, req.language, $0.args)
        }
        return try await single(reply, kind: "resident", req: req)
    }

    /// `POST /api/v1/households`.
    static func createHousehold(req: Request) async throws -> Response {
        let payload = try req.content.decode(HouseholdPayload.self)
        let reply = try await req.supportLog.sync(SyncRequest(households: [payload], residents: nil, activities: nil)) {
            req.application.catalogue.text($0.key, req.language, $0.args)
        }
        return try await single(reply, kind: "household", req: req)
    }

    /// Answers a single-item write: 201 with the item, 200 if it was already there, 422 naming the fields.
    static func single(_ reply: SyncResponse, kind: String, req: Request) async throws -> Response {
        guard let result = reply.results.first else { throw AppError.invalid("body", "error.required") }
        if result.status == "rejected" {
            let errors = result.errors ?? []
            if errors.contains(where: { $0.code == "error.outside_scope" }) { throw AppError.forbidden }
            // The person is already recorded: 409, naming the field (and, inside the caller's area, the record).
            if let taken = errors.first(where: { $0.code == "error.cccd_taken" || $0.code == "error.cccd_elsewhere" }) {
                var problem = FieldProblem(taken.field, taken.code)
                problem.args = taken.args
                throw AppError.conflict(problem)
            }
            throw AppError.invalid(errors.map { e in
                var p = FieldProblem(e.field, e.code)
                p.args = e.args
                return p
            })
        }
        let s = try req.supportLog
        let status: HTTPStatus = result.status == "created" ? .created : .ok
        if kind == "resident" {
            let r = try await s.scope.find(Resident.self, result.id, what: "resident")
            return try await s.residentResponses([r])[0].encodeResponse(status: status, for: req)
        }
        let h = try await s.scope.find(Household.self, result.id, what: "household")
        return try await s.householdResponses([h])[0].encodeResponse(status: status, for: req)
    }

    static func showResident(req: Request) async throws -> ResidentResponse {
        let s = try req.supportLog
        try s.scope.authorize(.readPersonalData)
        let r = try await s.scope.find(Resident.self, req.parameters.get("id", as: UUID.self), what: "resident")
        return try await s.residentResponses([r])[0]
    }

    /// `GET /api/v1/residents?unit=CODE`: a page of residents, audited and paced (`PersonalDataReads`).
    static func residents(req: Request) async throws -> ListResponse<ResidentResponse> {
        let s = try req.supportLog
        try s.scope.authorize(.readPersonalData)
        // A number in a URL ends up in access logs and browser history.
        if req.query[String.self, at: "cccd"] != nil { throw AppError.invalid("cccd", "error.cccd_in_url") }
        let page = try req.page()
        var query = s.scope.query(Resident.self).filter(\.$mergedInto == nil)
        var unitPath = s.scope.actor.scopePath
        if let code = req.query[String.self, at: "unit"] {
            let unit = try await UnitService(scope: s.scope, clock: req.clock).find(code: code, asOf: req.clock.today())
            query = query.under(unit.path, \.$unitPath)
            unitPath = unit.path
        }
        let total = try await query.count()
        let items = try await query.sort(\.$fullName).range(page.offset..<(page.offset + page.limit)).all()
        try await req.application.personalDataReads.record(s.scope, clock: req.clock, action: .read, entity: "resident", unitPath: unitPath,
                                                           summary: "\(items.count)/\(total)")
        return ListResponse(items: try await s.residentResponses(items), total: total, next: page.next(total: total))
    }

    /// `POST /api/v1/residents/lookup` `{ "cccd": "…" }`: the residents in scope with that number, found through the keyed
    /// hash. The number travels in the body only, and the audit records that a look-up was made, never the number.
    static func lookup(req: Request) async throws -> ListResponse<ResidentResponse> {
        let s = try req.supportLog
        try s.scope.authorize(.readPersonalData)
        let body = try req.content.decode(ResidentLookupRequest.self)
        let digits = String((body.cccd ?? "").filter(\.isNumber))
        guard digits.count == 12 else { throw AppError.invalid("cccd", "error.cccd.notTwelveDigits") }
        let items = try await s.scope.query(Resident.self).filter(\.$cccdHash == req.application.protector.lookupHash(digits)).all()
        try await req.application.personalDataReads.record(s.scope, clock: req.clock, action: .lookup, entity: "resident",
                                                           unitPath: s.scope.actor.scopePath, summary: "\(items.count)")
        return ListResponse(items: try await s.residentResponses(items), total: items.count, next: nil)
    }
}
