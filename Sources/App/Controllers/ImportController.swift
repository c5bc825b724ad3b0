import Fluent
import LanToaCore
import Vapor

/// Importing a commune's teams from a spreadsheet, and the audit page.
enum ImportController {
    static func show(req: Request) async throws -> View {
        try await render(req: req, problems: [], result: nil)
    }

    static func render(req: Request, problems: [ImportProblemResponse], result: ImportResultResponse?) async throws -> View {
        let scope = try req.scope
        let service = UnitService(scope: scope, clock: req.clock)
        let unit = try await service.find(code: try req.parameters.require("code"), asOf: req.clock.today())
        try scope.authorize(.manageUnitsAndTeams, at: unit.path)
        let page = ImportPage(layout: Layout(request: req, title: req.t("import.title")),
                              unit: try await UnitsController.rows([unit], req: req, asOf: req.clock.today())[0],
                              crumbs: try await service.ancestors(of: unit).map { Crumb(code: $0.code, name: $0.name) } + [Crumb(code: unit.code, name: unit.name)],
                              problems: problems, result: result, columns: TeamImport.Column.allCases.map(\.header))
        return try await req.view.render("units/import", page)
    }

    static func submit(req: Request) async throws -> Response {
        struct Form: Content {
            var file: File?
        }
        let form = try req.content.decode(Form.self)
        guard let file = form.file, file.data.readableBytes > 0 else {
            return try await render(req: req, problems: [ImportProblemResponse(row: 0, column: "", message: req.t("error.file_missing"))], result: nil)
                .encodeResponse(status: .unprocessableEntity, for: req)
        }
        do {
            let outcome = try await TeamImportService(scope: try req.scope, clock: req.clock)
                .importFile(Data(buffer: file.data), communeCode: try req.parameters.require("code"))
            let result = ImportResultResponse(teams: outcome.teams, members: outcome.members, hamletsCreated: outcome.hamletsCreated)
            return try await render(req: req, problems: [], result: result).encodeResponse(status: .ok, for: req)
        } catch let AppError.importRejected(problems) {
            let rows = problems.map { req.application.catalogue.describe($0, req.language) }
            return try await render(req: req, problems: rows, result: nil).encodeResponse(status: .unprocessableEntity, for: req)
        }
    }

    static func audit(req: Request) async throws -> View {
        let scope = try req.scope
        try scope.authorize(.readAudit)
        let query = scope.query(AuditEntry.self)
        let total = try await query.count()
        let entries = try await query.sort(\.$at, .descending).limit(200).all()
        let formatter = DateFormatter()
        formatter.timeZone = req.clock.timeZone
        formatter.dateFormat = "dd/MM/yyyy HH:mm:ss"
        let rows = entries.map { e in
            AuditRow(at: formatter.string(from: e.at), actor: e.actorLogin, action: req.t("audit.action.\(e.action)"),
                     entity: req.t("audit.entity.\(e.entity)"), summary: e.summary, before: e.before, after: e.after)
        }
        return try await req.view.render("audit", AuditPage(layout: Layout(request: req, title: req.t("audit.title")), entries: rows, total: total))
    }
}
