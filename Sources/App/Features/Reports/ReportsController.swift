import Fluent
import LanToaCore
import Vapor

/// The report pages: the account's own reports and the review table of its unit (`/reports`), one report with its
/// form, review buttons and history (`/reports/{template}/{period}/{reporter}`), and their exports.
enum ReportsController {
    struct MyReport: Encodable {
        var name: String
        var reporter: String
        var period: String
        var status: String
        var statusCode: String
        var link: String
    }

    struct CountsRow: Encodable {
        var name: String
        var link: String?
        var expected: Int64
        var received: Int64
        var onTime: Int64
        var approved: Int64
        var completeness: String
        var timeliness: String
    }

    struct SlotRow: Encodable {
        var name: String
        var unit: String
        var status: String
        var statusCode: String
        var received: String
        var warnings: Int
        var link: String
    }

    struct ReviewView: Encodable {
        var name: String
        var unit: String
        var period: String
        var deadline: String
        var lockDate: String
        var closed: Bool
        var rows: [CountsRow]
        var slots: [SlotRow]
        var missing: [String]
        var reminders: [ReportReminderItem]
        var exportLink: String
    }

    struct IndexPage: Encodable {
        var layout: Layout
        var templates: [SelectOption]
        /// The template the period box was filled for: a period sent for another one gives way to the default.
        var periodFor: String
        var period: String
        var mine: [MyReport]
        var review: ReviewView?
        var errors: [String]
    }

    static func link(_ template: String, _ period: String, _ reporter: String) -> String {
        SiteURL.report(template: template, period: period, reporter: reporter).path
    }

    /// `GET /reports`: the reports the account makes (this period and the two before), and the review table of the
    /// chosen template and period for its unit.
    static func index(req: Request) async throws -> Response {
        let scope = try req.readScope
        let today = req.clock.today()
        let templates = try await ReportTemplates(scope: scope, clock: req.clock).all()
        // By default the template the account reviews, else the first it makes.
        let reviewed = templates.first { ReportRoles(actor: scope.actor, reporter: $0.reporter, path: scope.actor.scopePath + "x/").reviews }
        let chosenCode = req.query[String.self, at: "template"] ?? reviewed?.code ?? templates.first?.code ?? ""
        guard let chosen = templates.first(where: { $0.code == chosenCode }) else { throw AppError.invalid("template", "error.unknown_template", chosenCode) }
        let defaultPeriod = chosen.cycle.key(chosen.cycle.lastEnded(asOf: today))
        let typedFor = req.query[String.self, at: "for"]
        let period = typedFor == nil || typedFor == chosen.code ? req.query[String.self, at: "period"] ?? defaultPeriod : defaultPeriod

        let mine = try await ReportService(scope: scope, clock: req.clock).mine(templates).map { at in
            let status = ReportService.status(at.record, calendar: at.calendar, period: at.period, today: today)
            return MyReport(name: at.template.name, reporter: at.slot.name, period: at.periodKey, status: ReportExports.statusLabel(status, req),
                            statusCode: status.rawValue, link: link(at.template.code, at.periodKey, at.slot.key))
        }

        var review: ReviewView?
        var errors: [String] = []
        do {
            review = view(try await ReportReview(scope: scope, clock: req.clock).table(unit: req.query[String.self, at: "unit"], template: chosen.code,
                                                                                     period: period), req: req)
        } catch let error as AppError {
            // A period typed wrong is named on the page; anything else (another area's unit) is the error page.
            guard case let .invalid(problems) = error else { throw error }
            errors = problems.map { req.t("report.label.\($0.field)") + ": " + req.application.catalogue.text($0.key, req.language, $0.args) }
        }
        return try await req.view.render("reports/index", IndexPage(
            layout: Layout(request: req, title: req.t("report.title")),
            templates: templates.map { SelectOption(value: $0.code, label: $0.name, selected: $0.code == chosen.code) },
            periodFor: chosen.code, period: period, mine: mine, review: review, errors: errors)).encodeResponse(status: errors.isEmpty ? .ok : .unprocessableEntity, for: req)
    }

    static func view(_ t: ReportReviewResponse, req: Request) -> ReviewView {
        func pct(_ v: Double?) -> String { v.map { ReportExports.number($0) + "%" } ?? "—" }
        func row(_ name: String, _ link: String?, _ c: ReportCounts) -> CountsRow {
            CountsRow(name: name, link: link, expected: c.expected, received: c.received, onTime: c.onTime, approved: c.approved,
                      completeness: pct(c.completeness), timeliness: pct(c.timeliness))
        }
        return ReviewView(
            name: t.name, unit: t.unit.name, period: t.period, deadline: LocalDate(t.deadline)?.vietnamese ?? t.deadline,
            lockDate: LocalDate(t.lockDate)?.vietnamese ?? t.lockDate, closed: t.closed,
            rows: [row(t.unit.name, nil, t.counts)] + t.children.map {
                row($0.unit.name, SiteURL.reports.with(["template": t.template, "period": t.period, "unit": $0.unit.code]), $0.counts)
            },
            slots: t.slots.map { s in
                SlotRow(name: s.reporter.name, unit: s.reporter.unit.name, status: ReportExports.statusLabel(s.status, req), statusCode: s.status.rawValue,
                        received: s.receivedAt.map(ReportExports.stamp) ?? "", warnings: s.warnings, link: link(t.template, t.period, s.reporter.key))
            },
            missing: t.missing.map(\.name), reminders: t.reminders,
            exportLink: SiteURL.reportsExport.with(["template": t.template, "period": t.period, "unit": t.unit.code]))
    }

    /// `GET /reports/export?template&period&unit&format`: the review table as XLSX, CSV, a printable page or PDF.
    static func exportTable(req: Request) async throws -> Response {
        let format = try ReportExports.format(req)
        let table = try await ReportReview(scope: try req.readScope, clock: req.clock).table(
            unit: req.query[String.self, at: "unit"], template: req.query[String.self, at: "template"], period: req.query[String.self, at: "period"])
        let rows = ReportExports.rows(table, req)
        let name = "theo-doi-\(table.template)-\(table.period)-\(table.unit.code)"
        switch format {
        case .xlsx, .csv: return try ReportExports.file(rows, name: name, format: format, sheet: table.period)
        case .print, .pdf:
            let page = try await PrintPage.make(req: req, title: table.name, period: table.period, unitPath: nil, unit: table.unit, rows: rows, tableStart: 3)
            return try await printed(page, name: name, pdf: format == .pdf, req: req)
        }
    }

    static func printed(_ page: PrintPage, name: String, pdf: Bool, req: Request) async throws -> Response {
        let view = try await req.view.render("reports/print", page)
        guard pdf else { return try await view.encodeResponse(for: req) }
        return try await ReportExports.pdf(html: String(buffer: view.data), name: name, on: req)
    }
}
