import Fluent
import LanToaCore
import Vapor

/// One report's page: the figures read from the support log, the typed fields, warnings, the review buttons the account
/// may use, the history; and its exports.
enum ReportPage {
    struct Line: Encodable {
        var code: String
        var name: String
        var value: String
        var required: Bool
    }

    struct HistoryLine: Encodable {
        var kind: String
        var actor: String
        var at: String
        var reason: String?
    }

    struct Page: Encodable {
        var layout: Layout
        var name: String
        var reporter: String
        var unit: String
        var period: String
        var deadline: String
        var lockDate: String
        var status: String
        var statusCode: String
        var reason: String?
        var entryOpen: Bool
        var exceptionUntil: String?
        var figures: [Line]
        var numbers: [Line]
        var texts: [Line]
        var warnings: [String]
        var included: String?
        var includedLines: [Line]
        var history: [HistoryLine]
        var actions: ReportActions
        var canMarkNotReceived: Bool
        var errors: [String]
        var link: String
    }

    /// What the form sends: typed values, and which button (`save` or `submit`).
    struct EntryForm: Content {
        var numbers: [String: String]?
        var texts: [String: String]?
        var action: String?
    }

    struct DecisionForm: Content {
        var decision: String?
        var reason: String?
        var until: String?
    }

    /// The report the address names, read over `readDB` (the replica on the export, which reads the rest there too).
    static func located(_ req: Request) async throws -> ReportService.Located {
        try await ReportService(scope: try req.readScope, clock: req.clock).locate(
            template: req.parameters.get("template"), period: req.parameters.get("period"), reporter: req.parameters.get("reporter"))
    }

    static func show(req: Request) async throws -> View {
        try await render(req, at: try await located(req), typed: nil, errors: [])
    }

    static func render(_ req: Request, at: ReportService.Located, typed: EntryForm?, errors: [String]) async throws -> View {
        let scope = try req.scope
        let r = try await ReportService(scope: scope, clock: req.clock).response(at)
        let en = req.language == .en
        func name(_ f: ReportTemplateDefinition.Field) -> String { en ? f.nameEn : f.name }
        let fields = r.fields
        let roles = ReportRoles(actor: scope.actor, reporter: at.template.reporter, path: at.slot.unitPath)
        let warnings = r.warnings.map { w -> String in
            let field = ReportExports.name(of: w.field, fields, req)
            if let low = w.low, let high = w.high {
                return req.t("report.warning.usual", field, ReportExports.number(low), ReportExports.number(high))
            }
            let rule = at.template.definition.rules.first { $0.code == w.rule }
            return req.t("report.warning.at_most", field, ReportExports.name(of: rule?.right ?? "", fields, req))
        }
        return try await req.view.render("reports/show", Page(
            layout: Layout(request: req, title: r.name), name: r.name, reporter: r.reporter.name, unit: r.reporter.unit.name, period: r.period,
            deadline: LocalDate(r.deadline)?.vietnamese ?? r.deadline, lockDate: LocalDate(r.lockDate)?.vietnamese ?? r.lockDate,
            status: ReportExports.statusLabel(r.status, req), statusCode: r.status.rawValue, reason: r.reason, entryOpen: r.entryOpen,
            exceptionUntil: r.exceptionUntil.flatMap { LocalDate($0)?.vietnamese },
            figures: fields.filter { $0.kind == .figure }.map { Line(code: $0.code, name: name($0), value: r.figures[$0.code].map(ReportExports.number) ?? "0", required: false) },
            numbers: fields.filter { $0.kind == .number }.map {
                Line(code: $0.code, name: name($0), value: typed?.numbers?[$0.code] ?? r.numbers[$0.code].map { String($0) } ?? "", required: $0.required == true)
            },
            texts: fields.filter { $0.kind == .text }.map {
                Line(code: $0.code, name: name($0), value: typed?.texts?[$0.code] ?? r.texts[$0.code] ?? "", required: $0.required == true)
            },
            warnings: warnings,
            included: r.included.map { req.t("report.included", String($0.approved), String($0.expected)) },
            includedLines: (r.included?.numbers ?? [:]).sorted { $0.key < $1.key }.map {
                Line(code: $0.key, name: ReportExports.name(of: $0.key, fields, req), value: String($0.value), required: false)
            },
            history: r.history.map { HistoryLine(kind: req.t("report.event.\($0.kind)"), actor: $0.actor, at: ReportExports.stamp($0.at), reason: $0.reason) },
            actions: r.actions,
            canMarkNotReceived: roles.reviews && req.clock.today() > at.period.end && [.due, .late, .returned].contains(r.status),
            errors: errors, link: ReportsController.link(r.template, r.period, r.reporter.key)))
    }

    /// `POST /reports/{template}/{period}/{reporter}`: keeps the typed values as a draft or submits them; errors name the field.
    static func enter(req: Request) async throws -> Response {
        let form = try req.content.decode(EntryForm.self)
        let at = try await located(req)
        do {
            var numbers: [String: Int64] = [:]
            for (code, text) in form.numbers ?? [:] where !text.trimmingWhitespace().isEmpty {
                guard let v = NumberFormatting.parseWhole(text) else { throw AppError.invalid("numbers.\(code)", "error.whole_number") }
                numbers[code] = Int64(v)
            }
            let request = ReportEntriesRequest(numbers: numbers, texts: form.texts)
            _ = try await ReportService(scope: try req.scope, clock: req.clock).enter(at, request, submit: form.action == "submit")
            return req.redirect(to: ReportsController.link(at.template.code, at.periodKey, at.slot.key))
        } catch let error as AppError {
            return try await rerender(req, at: at, typed: form, error: error)
        }
    }

    /// `POST /reports/{template}/{period}/{reporter}/decide`: return, approve, mark not received, reopen, or grant an exception.
    static func decide(req: Request) async throws -> Response {
        let form = try req.content.decode(DecisionForm.self)
        let at = try await located(req)
        let review = ReportReview(scope: try req.scope, clock: req.clock)
        do {
            if form.decision == "exception" {
                _ = try await review.grantException(at, ReportReasonRequest(reason: form.reason, until: form.until))
            } else {
                guard let decision = ReportReview.Decision(rawValue: form.decision ?? "") else {
                    throw AppError.invalid("decision", "error.choice", "return, approve, not-received, reopen, exception")
                }
                _ = try await review.decide(decision, at, reason: form.reason)
            }
            return req.redirect(to: ReportsController.link(at.template.code, at.periodKey, at.slot.key))
        } catch let error as AppError {
            return try await rerender(req, at: at, typed: nil, error: error)
        }
    }

    private static func rerender(_ req: Request, at: ReportService.Located, typed: EntryForm?, error: AppError) async throws -> Response {
        let problems: [FieldProblem]
        switch error {
        case .invalid(let list): problems = list
        case .conflict(let p): problems = [p]
        default: throw error
        }
        let fields = at.template.definition.fields
        let messages = problems.map { p -> String in
            let code = p.field.split(separator: ".").last.map(String.init) ?? p.field
            let label = p.field.hasPrefix("numbers.") || p.field.hasPrefix("texts.") ? ReportExports.name(of: code, fields, req) : req.t("report.label.\(p.field)")
            return label + ": " + req.application.catalogue.text(p.key, req.language, p.args)
        }
        return try await render(req, at: at, typed: typed, errors: messages).encodeResponse(status: error.status, for: req)
    }

    /// `GET /reports/{template}/{period}/{reporter}/export?format`: the report as XLSX, CSV, a printable page or PDF.
    static func export(req: Request) async throws -> Response {
        let format = try ReportExports.format(req)
        let at = try await located(req)
        let r = try await ReportService(scope: try req.readScope, clock: req.clock).response(at)
        let rows = ReportExports.rows(r, req)
        let name = "bao-cao-\(r.template)-\(r.period)-\(r.reporter.unit.code)"
        switch format {
        case .xlsx, .csv: return try ReportExports.file(rows, name: name, format: format, sheet: r.period)
        case .print, .pdf:
            let page = try await PrintPage.make(req: req, title: r.name, period: r.period, unitPath: at.slot.unitPath, unit: r.reporter.unit,
                                                rows: rows, tableStart: 5, team: at.slot.teamID == nil ? nil : r.reporter.name,
                                                reporter: at.template.reporter)
            return try await ReportsController.printed(page, name: name, pdf: format == .pdf, req: req)
        }
    }
}

/// A page in the Vietnamese administrative format (thể thức văn bản hành chính): issuing body and number on the left,
/// national title (quốc hiệu) and motto (tiêu ngữ) on the right, place and date, the title, the content, the recipients
/// (nơi nhận) and the signature block; A4.
struct PrintPage: Encodable {
    var lang: String
    var issuer: [String]
    var number: String
    var placeDate: String
    var title: String
    var subtitle: String
    var heading: [[String]]
    var header: [String]
    var rows: [[String]]
    var recipients: [String]
    var signer: [String]

    static func make(req: Request, title: String, period: String, unitPath: String?, unit: UnitRef, rows all: [[String]], tableStart: Int,
                     team: String? = nil, reporter: ReportTemplateDefinition.Reporter? = nil) async throws -> PrintPage {
        let db = try req.scope.db
        // The units above, from the province down.
        let ids = (unitPath ?? "").split(separator: "/").compactMap { UUID(uuidString: String($0)) }
        let units = try await Unit.query(on: db).filter(\.$id ~~ ids).all()
        let chain = ids.compactMap { id in units.first { $0.id == id } }
        let province = chain.first { $0.tier == .province }, commune = chain.first { $0.tier == .commune }
        var issuer: [String] = []
        var signer = "THỦ TRƯỞNG ĐƠN VỊ"
        var recipients = ["- Lưu: VT."]
        switch reporter {
        case .team?:
            if let commune { issuer.append("UBND " + commune.name.uppercased()) }
            issuer.append((team ?? unit.name).uppercased())
            signer = "TỔ TRƯỞNG"
            recipients.insert("- UBND \(commune?.name ?? "")", at: 0)
        case .commune?:
            if let province { issuer.append("UBND " + province.name.uppercased()) }
            issuer.append("UBND " + unit.name.uppercased())
            signer = "TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH"
            recipients.insert("- Sở Khoa học và Công nghệ \(province?.name ?? "")", at: 0)
        case .province?:
            issuer.append("UBND " + unit.name.uppercased())
            issuer.append("SỞ KHOA HỌC VÀ CÔNG NGHỆ")
            signer = "GIÁM ĐỐC"
            recipients.insert("- Bộ Khoa học và Công nghệ", at: 0)
        case nil:
            issuer.append(unit.name.uppercased())
        }
        let today = req.clock.today()
        let place = (commune ?? province).map { $0.shortName.isEmpty ? $0.name : $0.shortName } ?? unit.name
        let symbol = reporter == .team ? "BC-TCNSCĐ" : reporter == .province ? "BC-SKHCN" : "BC-UBND"
        return PrintPage(
            lang: req.language.rawValue, issuer: issuer, number: "Số:        /\(symbol)",
            placeDate: "\(place), ngày \(today.day) tháng \(today.month) năm \(today.year)", title: "BÁO CÁO",
            subtitle: "\(title) – kỳ \(period)", heading: Array(all.prefix(tableStart)).filter { !$0.isEmpty },
            header: all.count > tableStart ? all[tableStart] : [], rows: Array(all.dropFirst(tableStart + 1)), recipients: ["Nơi nhận:"] + recipients,
            signer: signer.components(separatedBy: "\n"))
    }
}
