import Fluent
import LanToaCore
import Vapor

/// Importing a commune's teams from a spreadsheet, and the audit page.
enum ImportController {
    /// What is imported: a commune's teams and members, or the households and residents of a commune or hamlet.
    enum Kind {
        case teams
        case residents

        var path: String { self == .teams ? "import" : "import-residents" }
        var template: String { self == .teams ? "/import-template.xlsx" : "/resident-template.xlsx" }
        var titleKey: String { self == .teams ? "import.title" : "import.residents_title" }
        var helpKey: String { self == .teams ? "import.help" : "import.residents_help" }
        var columns: [String] { self == .teams ? TeamImport.Column.allCases.map(\.header) : ResidentImport.Column.allCases.map(\.header) }
    }

    static func show(req: Request) async throws -> View {
        try await render(req: req, kind: .teams, problems: [], resultText: nil)
    }

    static func render(req: Request, kind: Kind, problems: [ImportProblemResponse], resultText: String?) async throws -> View {
        let scope = try req.scope
        let service = UnitService(scope: scope, clock: req.clock)
        let unit = try await service.find(code: try req.parameters.require("code"), asOf: req.clock.today())
        try scope.authorize(kind == .teams ? .manageUnitsAndTeams : .recordSupport, at: unit.path)
        let page = ImportPage(layout: Layout(request: req, title: req.t(kind.titleKey)),
                              unit: try await UnitsController.rows([unit], req: req, asOf: req.clock.today())[0],
                              crumbs: try await service.ancestors(of: unit).map { Crumb(code: $0.code, name: $0.name) } + [Crumb(code: unit.code, name: unit.name)],
                              problems: problems, resultText: resultText, columns: kind.columns,
                              action: SiteURL.unitPage(code: unit.code, page: kind.path).path, template: kind.template, help: req.t(kind.helpKey))
        return try await req.view.render("teamimport/show", page)
    }

    static func submit(req: Request) async throws -> Response {
        try await submit(req: req, kind: .teams)
    }

    static func submit(req: Request, kind: Kind) async throws -> Response {
        struct Form: Content {
            var file: File?
        }
        let form = try req.content.decode(Form.self)
        guard let file = form.file, file.data.readableBytes > 0 else {
            return try await render(req: req, kind: kind, problems: [ImportProblemResponse(row: 0, column: "", message: req.t("error.file_missing"))], resultText: nil)
                .encodeResponse(status: .unprocessableEntity, for: req)
        }
        do {
            let code = try req.parameters.require("code")
            let text: String
            switch kind {
            case .teams:
                let outcome = try await TeamImportService(scope: try req.scope, clock: req.clock, reader: req.tableReader).importFile(Data(buffer: file.data), communeCode: code)
                text = req.t("import.done", String(outcome.teams), String(outcome.members), String(outcome.hamletsCreated))
            case .residents:
                let outcome = try await ResidentImportService(scope: try req.scope, clock: req.clock, protector: req.application.protector, reader: req.tableReader)
                    .importFile(Data(buffer: file.data), unitCode: code)
                text = req.t("import.residents_done", String(outcome.households), String(outcome.residents))
            }
            return try await render(req: req, kind: kind, problems: [], resultText: text).encodeResponse(status: .ok, for: req)
        } catch let AppError.importRejected(problems) {
            let rows = problems.map { req.application.catalogue.describe($0, req.language) }
            return try await render(req: req, kind: kind, problems: rows, resultText: nil).encodeResponse(status: .unprocessableEntity, for: req)
        } catch let AppError.importTooLarge(problem) {
            let rows = [req.application.catalogue.describe(problem, req.language)]
            return try await render(req: req, kind: kind, problems: rows, resultText: nil).encodeResponse(status: .payloadTooLarge, for: req)
        }
    }
}
