import Fluent
import Foundation
import LanToaCore

/// The report templates an account works with, and their new versions.
struct ReportTemplates {
    let scope: Scope
    let clock: AppClock

    /// The version of a template in force for `period`: the latest that took effect by its first day.
    static func version(of versions: [ReportTemplate], for period: ReportPeriod) -> ReportTemplate? {
        versions.filter { $0.effectiveFrom <= period.start.iso }.max { $0.version < $1.version }
    }

    /// The templates that apply in or above the account's area: the national ones and its province's, latest versions.
    func all() async throws -> [ReportTemplate] {
        let path = scope.actor.scopePath
        let rows = try await ReportTemplate.query(on: scope.db).sort(\.$code).sort(\.$version).all()
            .filter { $0.unitPath == "/" || path.hasPrefix($0.unitPath) || $0.unitPath.hasPrefix(path) }
        return Dictionary(grouping: rows, by: \.code).values.compactMap { $0.max { $0.version < $1.version } }.sorted { $0.code < $1.code }
    }

    /// Every version of a template the account may see.
    func versions(code: String?) async throws -> [ReportTemplate] {
        guard let code, !code.isEmpty else { throw AppError.invalid("template", "error.required") }
        let path = scope.actor.scopePath
        let versions = try await ReportTemplate.query(on: scope.db).filter(\.$code == code).sort(\.$version).all()
        guard !versions.isEmpty, versions.allSatisfy({ $0.unitPath == "/" || path.hasPrefix($0.unitPath) || $0.unitPath.hasPrefix(path) })
        else { throw AppError.invalid("template", "error.unknown_template", code) }
        return versions
    }

    /// A new template of a province (or, for a national account, a national one), or a new version of an existing one,
    /// which applies from the period after the current one. Cycle, reporter and owner stay those of the first version.
    func save(_ request: ReportTemplateRequest) async throws -> ReportTemplate {
        // The owner first: the province named, or the nation for a national account that names none; an account
        // outside it is refused whatever it sent.
        var ownerPath = "/"
        if let province = request.province, !province.isEmpty {
            let unit = try await UnitService(scope: scope, clock: clock).find(code: province, asOf: clock.today())
            guard unit.tier == .province else { throw AppError.invalid("province", "error.not_province") }
            ownerPath = unit.path
        }
        try scope.authorize(.setTargets, at: ownerPath)
        var problems: [FieldProblem] = []
        let code = (request.code ?? "").trimmingWhitespace().lowercased()
        if code.isEmpty || code.count > 40 || !code.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }) {
            problems.append(FieldProblem("code", "error.template_code"))
        }
        let name = TeamImport.normaliseName(request.name ?? "")
        if name.isEmpty || name.count > 200 { problems.append(FieldProblem("name", name.isEmpty ? "error.required" : "error.too_long", "200")) }
        var cycle: ReportCycle?
        var sentBack = false
        switch request.cycle.flatMap(ReportCycle.Kind.init(rawValue:)) {
        case .campaign?:
            // A campaign's dates, as they are now, are the template's one period. The campaign is the owner's, or one
            // inside its area or above it.
            let found = try? await scope.find(CampaignRecord.self, UUID(uuidString: request.campaign ?? ""), what: "campaign")
            if let found, found.unitPath.hasPrefix(ownerPath) || ownerPath.hasPrefix(found.unitPath),
               let start = LocalDate(found.startOn), let end = LocalDate(found.endOn), let dated = ReportCycle.campaign(from: start, to: end) {
                cycle = dated
            } else {
                problems.append(FieldProblem("campaign", (request.campaign ?? "").isEmpty ? "error.required" : "error.unknown_campaign"))
            }
        case let kind?: cycle = ReportCycle(rawValue: kind.rawValue)
        case nil:
            // A campaign template's cycle as the API returns it (`campaign:…`), for a new version of it.
            if let raw = request.cycle, let dated = ReportCycle(rawValue: raw), dated.kind == .campaign { (cycle, sentBack) = (dated, true) } else {
                problems.append(FieldProblem("cycle", "error.choice", ReportCycle.Kind.allCases.map(\.rawValue).joined(separator: ", ")))
            }
        }
        let reporter = request.reporter.flatMap(ReportTemplateDefinition.Reporter.init(rawValue:))
        if reporter == nil {
            problems.append(FieldProblem("reporter", "error.choice", ReportTemplateDefinition.Reporter.allCases.map(\.rawValue).joined(separator: ", ")))
        }
        let firstPeriod = request.firstPeriod.map { ReportTemplateDefinition.FirstPeriod(rawValue: $0) } ?? .whole
        if firstPeriod == nil { problems.append(FieldProblem("firstPeriod", "error.choice", "whole, any")) }
        let deadline = request.deadlineDays ?? -1
        if !(0...60).contains(deadline) { problems.append(FieldProblem("deadlineDays", "error.range", "0", "60")) }
        let lock = request.lockDays ?? deadline
        if !(max(0, deadline)...120).contains(lock) { problems.append(FieldProblem("lockDays", "error.range", String(max(0, deadline)), "120")) }
        let future = request.openFuturePeriods ?? 0
        if !(0...12).contains(future) { problems.append(FieldProblem("openFuturePeriods", "error.range", "0", "12")) }
        let reminders = request.reminderDays ?? [-2, 0, 3]
        for (i, d) in reminders.enumerated() where !(-30...30).contains(d) { problems.append(FieldProblem("reminderDays[\(i)]", "error.range", "-30", "30")) }
        if reminders.count > 10 { problems.append(FieldProblem("reminderDays", "error.too_many", "10")) }
        let fields = request.fields ?? []
        if fields.isEmpty || fields.count > 40 { problems.append(FieldProblem("fields", fields.isEmpty ? "error.required" : "error.too_many", "40")) }
        let indicators = try await DashboardService(scope: scope, clock: clock).indicators(for: DashboardService.Place(
            id: Rollups.nation, ref: UnitRef(code: "VN", name: "", tier: .province), path: ownerPath, tier: nil))
        var codes = Set<String>()
        for (i, f) in fields.enumerated() {
            let at = "fields[\(i)]"
            if f.code.isEmpty || f.code.count > 40 || !f.code.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }) {
                problems.append(FieldProblem("\(at).code", "error.template_code"))
            } else if !codes.insert(f.code).inserted { problems.append(FieldProblem("\(at).code", "error.duplicate", f.code)) }
            if TeamImport.normaliseName(f.name).isEmpty { problems.append(FieldProblem("\(at).name", "error.required")) }
            switch f.kind {
            case .figure:
                guard let code = f.indicator, let indicator = indicators.first(where: { $0.code == code }), indicator.kind != .reporting else {
                    problems.append(FieldProblem("\(at).indicator", "error.unknown_indicator", f.indicator ?? ""))
                    continue
                }
            case .number:
                if let code = f.indicator, indicators.first(where: { $0.code == code })?.kind != .manual {
                    problems.append(FieldProblem("\(at).indicator", "error.not_manual", code))
                }
            case .text:
                if f.indicator != nil { problems.append(FieldProblem("\(at).indicator", "error.not_allowed")) }
            }
        }
        let rules = request.rules ?? []
        for (i, r) in rules.enumerated() {
            if !codes.contains(r.left) { problems.append(FieldProblem("rules[\(i)].left", "error.unknown_field", r.left)) }
            if r.kind == .atMost, !codes.contains(r.right ?? "") { problems.append(FieldProblem("rules[\(i)].right", "error.unknown_field", r.right ?? "")) }
            if r.kind == .usual, !(1...10).contains(r.k ?? 3) { problems.append(FieldProblem("rules[\(i)].k", "error.range", "1", "10")) }
        }
        let includes = (request.includes ?? "").trimmingWhitespace()
        guard problems.isEmpty, let cycle, let reporter, let firstPeriod else { throw AppError.invalid(problems) }
        if !includes.isEmpty {
            let included = try await versions(code: includes).last!
            guard included.cycle == cycle, included.reporter.reviewerTier == reporter.tier else {
                throw AppError.invalid("includes", "error.template_includes", includes)
            }
        }
        let existing = try await ReportTemplate.query(on: scope.db).filter(\.$code == code).sort(\.$version).all()
        let today = clock.today()
        let record = ReportTemplate()
        if let last = existing.last {
            guard last.unitPath == ownerPath else { throw AppError.conflict(FieldProblem("code", "error.template_exists", code)) }
            guard last.cycle == cycle, last.reporter == reporter else { throw AppError.conflict(FieldProblem("cycle", "error.template_fixed")) }
            record.version = last.version + 1
            if let next = cycle.next(cycle.period(containing: today)) {
                record.effectiveFrom = max(next.start.iso, last.effectiveFrom)
            } else {
                // A campaign has one period: its template may change only before it starts.
                guard today < cycle.period(containing: today).start else { throw AppError.conflict(FieldProblem("cycle", "error.template_started")) }
                record.effectiveFrom = last.effectiveFrom
            }
        } else {
            // Dates sent back name an existing template; a campaign already over has nothing left to report on.
            guard !sentBack else { throw AppError.invalid("cycle", "error.choice", ReportCycle.Kind.allCases.map(\.rawValue).joined(separator: ", ")) }
            guard cycle.kind != .campaign || today <= cycle.period(containing: today).end else {
                throw AppError.conflict(FieldProblem("campaign", "error.campaign_over"))
            }
            record.version = 1
            record.effectiveFrom = cycle.period(containing: today).start.iso
        }
        record.code = code
        record.unitPath = ownerPath
        record.name = name
        record.nameEn = TeamImport.normaliseName(request.nameEn ?? "").isEmpty ? name : TeamImport.normaliseName(request.nameEn!)
        record.cycle = cycle
        record.deadlineDays = deadline
        record.lockDays = lock
        record.openFuturePeriods = future
        record.reporter = reporter
        record.firstPeriod = firstPeriod
        record.reminderDays = reminders.map(String.init).joined(separator: ",")
        record.includes = includes
        let content = ReportTemplateDefinition.Content(fields: fields.map { f in
            var f = f
            f.name = TeamImport.normaliseName(f.name)
            f.nameEn = TeamImport.normaliseName(f.nameEn).isEmpty ? f.name : TeamImport.normaliseName(f.nameEn)
            return f
        }, rules: rules)
        record.content = String(decoding: try JSONEncoder().encode(content), as: UTF8.self)
        record.createdBy = scope.actor.login
        let owner = ownerPath
        try await scope.db.writeTransaction { db in
            try await record.create(on: db)
            try await AuditLog.record(on: db, actor: scope.actor, at: clock.now(), action: existing.isEmpty ? .create : .update,
                                      entity: "report_template", entityID: record.id, unitPath: owner,
                                      summary: "\(code) v\(record.version) from \(record.effectiveFrom)", before: Nothing?.none, after: content)
        }
        return record
    }
}

extension ReportTemplateDefinition.Reporter {
    var tier: Tier {
        switch self {
        case .team: .hamlet
        case .commune: .commune
        case .province: .province
        }
    }
}
