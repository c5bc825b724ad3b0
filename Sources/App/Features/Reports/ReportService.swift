import Fluent
import Foundation
import LanToaCore
import SQLKit

/// Periodic reports (báo cáo định kỳ): a reporter's report for a period of a template, pre-filled from the rollups,
/// kept as a draft, submitted, and reviewed by the tier above (`ReportReview`).
struct ReportService {
    let scope: Scope
    let clock: AppClock

    /// A report's place: its template version, period, reporter and the stored record, if any.
    struct Located {
        var versions: [ReportTemplate]
        var template: ReportTemplate
        var period: ReportPeriod
        var periodKey: String
        var slot: ReportSlot
        var unit: UnitRef
        var record: ReportRecord?

        var calendar: ReportCalendar { template.calendar }
    }

    /// Finds a report by template, period and reporter (a team's id or a unit's code), within the account's area.
    func locate(template code: String?, period key: String?, reporter: String?) async throws -> Located {
        let versions = try await ReportTemplates(scope: scope, clock: clock).versions(code: code)
        let cycle = versions[0].cycle
        guard let key, let period = cycle.period(key: key) else { throw AppError.invalid("period", "error.report_period", cycle.rawValue) }
        guard let template = ReportTemplates.version(of: versions, for: period) else {
            throw AppError.invalid("period", "error.before_template", versions[0].effectiveFrom)
        }
        let slot: ReportSlot
        let unit: Unit
        switch template.reporter {
        case .team:
            let team = try await scope.find(Team.self, UUID(uuidString: reporter ?? ""), what: "team")
            guard let u = try await Unit.find(team.unitID, on: scope.db) else { throw AppError.notFound(what: "unit") }
            slot = ReportSlot(key: team.id!.uuidString.lowercased(), name: team.name, unitID: u.id!, unitPath: team.unitPath, teamID: team.id)
            unit = u
        case .commune, .province:
            let tier: Tier = template.reporter == .commune ? .commune : .province
            // The unit in force at the period's end (a code may have named another unit before the 2025 reorganisation).
            let end = period.end.iso
            guard let u = try await scope.query(Unit.self).filter(\.$code == (reporter ?? "")).filter(\.$tier == tier)
                .filter(\.$validFrom <= end).filter(\.$validTo >= end).first(),
                  scope.contains(path: u.path) else { throw AppError.notFound(what: "unit") }
            slot = ReportSlot(key: u.code, name: u.name, unitID: u.id!, unitPath: u.path, teamID: nil)
            unit = u
        }
        guard slot.unitPath.hasPrefix(template.unitPath) else { throw AppError.notFound(what: "report") }
        let record = try await ReportRecord.query(on: scope.db).filter(\.$templateCode == template.code)
            .filter(\.$reporterKey == slot.key).filter(\.$period == cycle.key(period)).first()
        return Located(versions: versions, template: record.flatMap { r in versions.first { $0.id == r.templateID } } ?? template,
                       period: period, periodKey: cycle.key(period), slot: slot,
                       unit: UnitRef(code: unit.code, name: unit.name, tier: unit.tier), record: record)
    }

    /// The reports the account makes, as a team's leader or a commune's or province's account: of every template it
    /// reports on (of `templates`, else all that apply to it), the current period and the two before.
    func mine(_ templates: [ReportTemplate]? = nil) async throws -> [Located] {
        let today = clock.today()
        var out: [Located] = []
        let applying: [ReportTemplate]
        if let templates { applying = templates } else { applying = try await ReportTemplates(scope: scope, clock: clock).all() }
        for t in applying {
            let reporters: [String]
            switch t.reporter {
            case .team:
                guard scope.actor.role == .leader else { continue }
                reporters = try await scope.query(Team.self).filter(\.$status == .active).all().map { $0.id!.uuidString.lowercased() }
            case .commune, .province:
                guard ReportRoles(actor: scope.actor, reporter: t.reporter, path: scope.actor.scopePath).reports,
                      let id = Rollups.lastID(scope.actor.scopePath), let unit = try await Unit.find(id, on: scope.db), unit.tier == t.reporter.tier
                else { continue }
                reporters = [unit.code]
            }
            var periods = t.cycle.recent(3, asOf: today)
            // A campaign whose template opens entry ahead is listed before it starts.
            if periods.isEmpty, t.calendar.isOpen(t.cycle.period(containing: today), on: today) { periods = [t.cycle.period(containing: today)] }
            for p in periods {
                for key in reporters {
                    // A period before the template's first version has no report.
                    guard let at = try? await locate(template: t.code, period: t.cycle.key(p), reporter: key) else { continue }
                    out.append(at)
                }
            }
        }
        return out
    }

    // MARK: reading

    func response(_ at: Located) async throws -> ReportResponse {
        let today = clock.today()
        let record = at.record
        let entries = Self.entries(record)
        let figures = record.map { Self.decode([String: Double].self, $0.figures) ?? [:] } ?? [:]
        let live = record.map { [.draft, .returned].contains($0.state) } ?? true
        let shown = live ? try await self.figures(at) : figures
        let included = try await self.included(at)
        let exception = try await exceptionUntil(at)
        let open = at.calendar.isOpen(at.period, on: today) || exception != nil
        let status = Self.status(record, calendar: at.calendar, period: at.period, today: today)
        let history = try await ReportEvent.query(on: scope.db).filter(\.$reportID == (record?.id ?? UUID())).sort(\.$at).all()
            .map { ReportHistoryItem(kind: $0.kind, actor: $0.actor, at: $0.at, reason: $0.reason.isEmpty ? nil : $0.reason) }
        let roles = ReportRoles(actor: scope.actor, reporter: at.template.reporter, path: at.slot.unitPath)
        let state = record?.state
        let editable = state == nil || state == .draft || state == .returned
        return ReportResponse(
            template: at.template.code, version: at.template.version, name: at.template.name, period: at.periodKey,
            periodStart: at.period.start.iso, periodEnd: at.period.end.iso, deadline: at.calendar.deadline(at.period).iso,
            lockDate: at.calendar.lockDate(at.period).iso, reporter: ReportReporter(key: at.slot.key, name: at.slot.name, unit: at.unit),
            status: status, revision: record?.revision ?? 0, receivedAt: record?.receivedAt, onTime: record?.onTime,
            reason: (record?.reason).flatMap { $0.isEmpty ? nil : $0 }, entryOpen: open, exceptionUntil: exception?.iso,
            fields: at.template.definition.fields, figures: shown, numbers: entries.numbers, texts: entries.texts, included: included,
            warnings: try await warnings(at, numbers: entries.numbers, figures: shown),
            history: history,
            actions: ReportActions(save: roles.reports && editable && open, submit: roles.reports && editable && open,
                                   review: roles.reviews && state == .submitted,
                                   reopen: roles.reopens && (state == .approved || state == .notReceived),
                                   grantException: roles.reviews && today > at.calendar.lockDate(at.period) && exception == nil
                                       && state != .approved && state != .notReceived))
    }

    static func status(_ record: ReportRecord?, calendar: ReportCalendar, period: ReportPeriod, today: LocalDate) -> ReportStatus {
        status(record?.state, calendar: calendar, period: period, today: today)
    }

    static func status(_ state: ReportRecord.State?, calendar: ReportCalendar, period: ReportPeriod, today: LocalDate) -> ReportStatus {
        switch state {
        case .submitted: .submitted
        case .returned: .returned
        case .approved: .approved
        case .notReceived: .notReceived
        case .draft, nil: calendar.statusWithoutReport(period, on: today)
        }
    }

    /// The figure fields' values for the reporter's unit and period, read from the rollups now.
    func figures(_ at: Located) async throws -> [String: Double] {
        let fields = at.template.definition.fields.filter { $0.kind == .figure }
        guard !fields.isEmpty else { return [:] }
        let dashboards = DashboardService(scope: scope, clock: clock)
        let place = DashboardService.Place(id: at.slot.unitID, ref: at.unit, path: at.slot.unitPath, tier: at.unit.tier)
        let used = try await dashboards.indicators(for: place).filter { i in fields.contains { $0.indicator == i.code } }
        let formulas = try await dashboards.formulas(used)
        var query = FigureQuery()
        DashboardService.addFigures(to: &query, units: [at.slot.unitID], formulas: Array(formulas.values), period: at.period)
        let values = DashboardService.PeriodFigures(try await FigureReader(db: scope.db).run(query))
        var out: [String: Double] = [:]
        for f in fields { if let code = f.indicator, let formula = formulas[code] { out[f.code] = values.value(formula, unit: at.slot.unitID).actual } }
        return out
    }

    /// The included template's reports under this reporter: how many were expected, approved and settled, and the
    /// approved ones' numbers summed.
    func included(_ at: Located) async throws -> IncludedReports? {
        guard !at.template.includes.isEmpty else { return nil }
        let versions = try await ReportTemplate.query(on: scope.db).filter(\.$code == at.template.includes).all()
        guard let child = ReportTemplates.version(of: versions, for: at.period) else { return nil }
        let slots = try await ReportSlots.slots(child, period: at.period, under: at.slot.unitPath, on: scope.db)
        let keys = Set(slots.map(\.key))
        let reports = try await ReportRecord.query(on: scope.db).filter(\.$templateCode == child.code).filter(\.$period == at.periodKey)
            .under(at.slot.unitPath, \.$unitPath).all().filter { keys.contains($0.reporterKey) }
        var sums: [String: Int64] = [:]
        for r in reports where r.state == .approved { for (k, v) in Self.entries(r).numbers { sums[k, default: 0] += v } }
        return IncludedReports(template: child.code, expected: slots.count, approved: reports.filter { $0.state == .approved }.count,
                               settled: reports.filter { $0.state == .approved || $0.state == .notReceived }.count, numbers: sums)
    }

    /// The named warnings of the values under the template's rules, with the reporter's earlier approved reports as history.
    func warnings(_ at: Located, numbers: [String: Int64], figures: [String: Double]) async throws -> [ReportWarning] {
        let rules = at.template.definition.rules
        guard !rules.isEmpty else { return [] }
        let history = rules.contains(where: { $0.kind == .usual })
            ? try await Self.history(template: at.template.code, reporter: at.slot.key, before: at.periodKey, on: scope.db) : [:]
        return ReportRules.check(rules, values: Self.checkedValues(numbers: numbers, figures: figures), history: history)
    }

    /// The values the rules check: the typed numbers and the figures, rounded.
    static func checkedValues(numbers: [String: Int64], figures: [String: Double]) -> [String: Int64] {
        var values = numbers
        for (k, v) in figures { values[k] = Int64(v.rounded()) }
        return values
    }

    /// A stored report's checked values.
    static func checkedValues(_ record: ReportRecord) -> [String: Int64] {
        checkedValues(numbers: entries(record).numbers, figures: decode([String: Double].self, record.figures) ?? [:])
    }

    /// A reporter's typed numbers in its last 12 approved reports before `period`, oldest first, by field.
    static func history(template code: String, reporter: String, before period: String, on db: any Database) async throws -> [String: [Int64]] {
        let earlier = try await ReportRecord.query(on: db).filter(\.$templateCode == code).filter(\.$reporterKey == reporter)
            .filter(\.$state == .approved).filter(\.$period < period).sort(\.$period, .descending).limit(12).all()
        var history: [String: [Int64]] = [:]
        for r in earlier.reversed() { for (k, v) in entries(r).numbers { history[k, default: []].append(v) } }
        return history
    }

    /// The end of an unexpired lock exception for this report, if one was granted.
    func exceptionUntil(_ at: Located) async throws -> LocalDate? {
        let today = clock.today().iso
        return try await ReportException.query(on: scope.db).filter(\.$templateCode == at.template.code).filter(\.$reporterKey == at.slot.key)
            .filter(\.$period == at.periodKey).filter(\.$until >= today).sort(\.$until, .descending).first().flatMap { LocalDate($0.until) }
    }

    // MARK: entry

    /// Keeps the typed values as a draft (`submit` false) or submits them: required fields checked, figures read again
    /// and stored, receipt time kept from the first submission.
    func enter(_ at: Located, _ request: ReportEntriesRequest, submit: Bool) async throws -> Located {
        let roles = ReportRoles(actor: scope.actor, reporter: at.template.reporter, path: at.slot.unitPath)
        guard roles.reports else { throw AppError.forbidden }
        if let state = at.record?.state, ![.draft, .returned].contains(state) {
            throw AppError.conflict(FieldProblem("state", state == .approved ? "error.report_locked" : "error.report_submitted"))
        }
        let today = clock.today()
        if !at.calendar.isOpen(at.period, on: today), try await exceptionUntil(at) == nil {
            throw AppError.conflict(FieldProblem("period", today > at.calendar.lockDate(at.period) ? "error.report_closed" : "error.report_not_open",
                                                 at.calendar.lockDate(at.period).vietnamese))
        }
        let entries = try Self.validated(request, fields: at.template.definition.fields, submit: submit)
        let now = clock.now()
        let figures = submit ? try await self.figures(at) : [:]
        let warned = submit ? try await warnings(at, numbers: entries.numbers, figures: figures).count : at.record?.warnings ?? 0
        let record = at.record ?? ReportRecord()
        let firstReceipt = submit && record.receivedAt == nil
        // What was read, for the update to move only from there.
        let (readState, readRevision) = (at.record?.state ?? .draft, at.record?.revision ?? 0)
        if at.record == nil {
            record.id = UUID()
            record.templateID = at.template.id!
            record.templateCode = at.template.code
            record.reporterKey = at.slot.key
            record.teamID = at.slot.teamID
            record.unitID = at.slot.unitID
            record.unitPath = at.slot.unitPath
            record.period = at.periodKey
            record.periodStart = at.period.start.iso
            record.periodEnd = at.period.end.iso
            record.revision = 0
            record.reason = ""
            record.figures = "{}"
            record.warnings = 0
        }
        record.entries = Self.encode(entries)
        record.updatedBy = scope.actor.login
        if submit {
            record.state = .submitted
            record.figures = Self.encode(figures)
            record.warnings = warned
            record.revision += 1
            if firstReceipt {
                record.receivedAt = now
                record.onTime = at.calendar.isOnTime(at.period, receivedOn: today)
            }
        } else {
            record.state = at.record?.state == .returned ? .returned : .draft
        }
        let kind = submit ? (record.revision > 1 ? "resubmitted" : "submitted") : "saved"
        do {
            try await scope.db.writeTransaction { db in
                try await ReportFigures.lock(template: record.templateCode, period: record.period, on: db)
                if at.record == nil {
                    try await record.create(on: db)
                } else {
                    // Moved only from the state and revision that were read: a second submission sent at once (a
                    // double tap, a retry) or a reviewer's decision in between finds nothing to move.
                    let moved = try await (db as! any SQLDatabase).raw("""
                        UPDATE reports SET state = \(bind: record.state.rawValue), entries = \(bind: record.entries), figures = \(bind: record.figures),
                        revision = \(bind: record.revision), warnings = \(bind: record.warnings), received_at = \(bind: record.receivedAt), on_time = \(bind: record.onTime),
                        updated_by = \(bind: record.updatedBy), updated_at = \(bind: now)
                        WHERE id = \(bind: record.id!) AND state = \(bind: readState.rawValue) AND revision = \(bind: readRevision) RETURNING id
                        """).all()
                    guard moved.count == 1 else { throw AppError.conflict(FieldProblem("state", "error.report_changed")) }
                }
                try await enterRecorded(record, at: at, kind: kind, entries: entries, firstReceipt: firstReceipt, submit: submit, now: now, on: db)
            }
        } catch let error as AppError {
            throw error
        } catch where at.record == nil {
            // Two first saves at once: the second meets the first's row.
            if try await ReportRecord.query(on: scope.db).filter(\.$templateCode == record.templateCode).filter(\.$reporterKey == record.reporterKey)
                .filter(\.$period == record.period).count() > 0 { throw AppError.conflict(FieldProblem("state", "error.report_changed")) }
            throw error
        }
        var out = at
        out.record = record
        return out
    }

    /// The history, counts and audit of an entry, in its transaction.
    private func enterRecorded(_ record: ReportRecord, at: Located, kind: String, entries: Entries, firstReceipt: Bool, submit: Bool, now: Date,
                               on db: any Database) async throws {
        try await Self.event(record, kind, actor: scope.actor, at: now, reason: "", on: db)
        if firstReceipt, try await ReportFigures.isExpected(record, on: db) {
            try await ReportFigures.add(ReportFigures.measures(of: record), template: record.templateCode, unitPath: record.unitPath,
                                        periodEnd: record.periodEnd, 1, on: db)
        }
        if submit {
            try await AuditLog.record(on: db, actor: scope.actor, at: now, action: .update, entity: "report", entityID: record.id,
                                      unitPath: record.unitPath, summary: "\(record.templateCode) \(record.period) \(at.slot.name): \(kind)",
                                      before: Nothing?.none, after: entries)
        }
    }

    struct Entries: Codable, Sendable {
        var numbers: [String: Int64]
        var texts: [String: String]
    }

    static func entries(_ record: ReportRecord?) -> Entries {
        record.flatMap { decode(Entries.self, $0.entries) } ?? Entries(numbers: [:], texts: [:])
    }

    /// The typed values checked against the fields; on submission, required ones must be there.
    static func validated(_ request: ReportEntriesRequest, fields: [ReportTemplateDefinition.Field], submit: Bool) throws -> Entries {
        var problems: [FieldProblem] = []
        var out = Entries(numbers: [:], texts: [:])
        let byCode = Dictionary(fields.map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })
        for (code, value) in (request.numbers ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard byCode[code]?.kind == .number else { problems.append(FieldProblem("numbers.\(code)", "error.unknown_field", code)); continue }
            guard (0...1_000_000_000).contains(value) else { problems.append(FieldProblem("numbers.\(code)", "error.range", "0", "1000000000")); continue }
            out.numbers[code] = value
        }
        for (code, value) in (request.texts ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard byCode[code]?.kind == .text else { problems.append(FieldProblem("texts.\(code)", "error.unknown_field", code)); continue }
            let text = value.trimmingWhitespace()
            guard text.count <= 4000 else { problems.append(FieldProblem("texts.\(code)", "error.too_long", "4000")); continue }
            guard !text.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\n" && $0 != "\t" && $0 != "\r" }) else {
                problems.append(FieldProblem("texts.\(code)", "error.control_characters")); continue
            }
            if !text.isEmpty { out.texts[code] = text }
        }
        if submit {
            for f in fields where f.required == true {
                switch f.kind {
                case .number where out.numbers[f.code] == nil: problems.append(FieldProblem("numbers.\(f.code)", "error.required"))
                case .text where out.texts[f.code] == nil: problems.append(FieldProblem("texts.\(f.code)", "error.required"))
                default: break
                }
            }
        }
        guard problems.isEmpty else { throw AppError.invalid(problems) }
        return out
    }

    static func event(_ record: ReportRecord, _ kind: String, actor: Actor, at: Date, reason: String, on db: any Database) async throws {
        let e = ReportEvent()
        e.reportID = record.id!
        e.unitPath = record.unitPath
        e.kind = kind
        e.actor = actor.login
        e.at = at
        e.reason = reason
        e.entries = record.entries
        try await e.create(on: db)
    }

    static func encode<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) -> T? {
        try? JSONDecoder().decode(type, from: Data(text.utf8))
    }
}

/// Who may do what with a reporter's reports: the reporter itself (a team's leader, a commune's or a province's
/// accounts), the tier above that reviews (commune for teams, province for communes, the ministry for provinces), and
/// the tier above the reviewer that may reopen an approved report.
struct ReportRoles {
    let reports: Bool
    let reviews: Bool
    let reopens: Bool

    init(actor: Actor, reporter: ReportTemplateDefinition.Reporter, path: String) {
        let inside = path.hasPrefix(actor.scopePath)
        switch reporter {
        case .team:
            reports = inside && actor.role == .leader
            reviews = inside && actor.role == .commune
            reopens = inside && (actor.role == .province || actor.role == .admin)
        case .commune:
            reports = actor.role == .commune && actor.scopePath == path
            reviews = inside && actor.role == .province
            reopens = actor.role == .admin
        case .province:
            reports = actor.role == .province && actor.scopePath == path
            reviews = actor.role == .admin
            reopens = actor.role == .admin
        }
    }
}
