import Fluent
import LanToaCore
import Vapor

/// `/api/v1/report-templates` and `/api/v1/reports`: templates, one report (pre-filled, kept, submitted, reviewed) and
/// the review table of a unit.
enum ReportsAPIController {
    static func templates(req: Request) async throws -> [ReportTemplateResponse] {
        try await responses(try await ReportTemplates(scope: try req.scope, clock: req.clock).all(), on: req.db)
    }

    static func saveTemplate(req: Request) async throws -> Response {
        let saved = try await ReportTemplates(scope: try req.scope, clock: req.clock).save(try req.content.decode(ReportTemplateRequest.self))
        return try await responses([saved], on: req.db)[0].encodeResponse(status: .created, for: req)
    }

    /// Templates as the API shows them, with their province's code (as a template is sent).
    static func responses(_ templates: [ReportTemplate], on db: any Database) async throws -> [ReportTemplateResponse] {
        let ids = Set(templates.compactMap { $0.unitPath == "/" ? nil : Rollups.lastID($0.unitPath) })
        let codes = Dictionary(try await Unit.query(on: db).filter(\.$id ~~ Array(ids)).all().map { ($0.path, $0.code) }, uniquingKeysWith: { a, _ in a })
        return templates.map { ReportTemplateResponse($0, provinceCode: codes[$0.unitPath]) }
    }

    /// `GET /api/v1/reports/mine`: the reports the account makes, this period and the two before (the phone app's list).
    static func mine(req: Request) async throws -> [ReportResponse] {
        let service = ReportService(scope: try req.scope, clock: req.clock)
        var out: [ReportResponse] = []
        for at in try await service.mine() { out.append(try await service.response(at)) }
        return out
    }

    static func review(req: Request) async throws -> ReportReviewResponse {
        try await ReportReview(scope: try req.readScope, clock: req.clock).table(
            unit: req.query[String.self, at: "unit"], template: req.query[String.self, at: "template"], period: req.query[String.self, at: "period"])
    }

    /// The report named by the path: `/reports/{template}/{period}/{reporter}`.
    static func located(_ req: Request) async throws -> ReportService.Located {
        try await ReportService(scope: try req.scope, clock: req.clock).locate(
            template: req.parameters.get("template"), period: req.parameters.get("period"), reporter: req.parameters.get("reporter"))
    }

    static func report(req: Request) async throws -> ReportResponse {
        try await ReportService(scope: try req.scope, clock: req.clock).response(try await located(req))
    }

    static func save(req: Request) async throws -> ReportResponse {
        try await enter(req, submit: false)
    }

    static func submit(req: Request) async throws -> ReportResponse {
        try await enter(req, submit: true)
    }

    private static func enter(_ req: Request, submit: Bool) async throws -> ReportResponse {
        let body = try req.content.decode(ReportEntriesRequest.self)
        let service = ReportService(scope: try req.scope, clock: req.clock)
        return try await service.response(try await service.enter(try await located(req), body, submit: submit))
    }

    static func decide(_ decision: ReportReview.Decision) -> @Sendable (Request) async throws -> ReportResponse {
        { req in
            let body = try req.content.decode(ReportReasonRequest.self)
            let scope = try req.scope
            let at = try await ReportReview(scope: scope, clock: req.clock).decide(decision, try await located(req), reason: body.reason)
            return try await ReportService(scope: scope, clock: req.clock).response(at)
        }
    }

    static func grantException(req: Request) async throws -> ReportResponse {
        let body = try req.content.decode(ReportReasonRequest.self)
        let scope = try req.scope
        let at = try await ReportReview(scope: scope, clock: req.clock).grantException(try await located(req), body)
        return try await ReportService(scope: scope, clock: req.clock).response(at)
    }
}
