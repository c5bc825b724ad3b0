import Fluent
import LanToaCore
import Vapor

/// The audit page (`/audit`).
enum AuditController {
    static func audit(req: Request) async throws -> View {
        let scope = try req.scope
        try scope.authorize(.readAudit)
        let query = scope.query(AuditEntry.self)
        let total = try await query.count()
        let entries = try await query.sort(\.$at, .descending).limit(200).all()
        let formatter = DateFormatter()
        formatter.timeZone = req.clock.timeZone
        formatter.dateFormat = "dd/MM/yyyy HH:mm:ss"
        let people = try await MemberPseudonyms.people(of: entries, scope: scope)
        let rows = entries.map { e in
            AuditRow(at: formatter.string(from: e.at), actor: e.actorLogin, action: req.t("audit.action.\(e.action)"),
                     entity: req.t("audit.entity.\(e.entity)"), person: people[e.id!] ?? "", summary: e.summary, before: e.before, after: e.after)
        }
        return try await req.view.render("audit/index", AuditPage(layout: Layout(request: req, title: req.t("audit.title")), entries: rows, total: total))
    }
}
