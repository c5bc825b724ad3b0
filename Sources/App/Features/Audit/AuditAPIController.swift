import Fluent
import LanToaCore
import Vapor

/// `GET /api/v1/audit`: the audit trail (nhật ký) of the account's area, newest first.
enum AuditAPIController {
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
