import Fluent
import Foundation
import LanToaCore
import SQLKit

/// The review of reports by the tier above (duyệt báo cáo): return with a reason, approve (which locks the report and
/// feeds its typed values to the manual indicators), mark not received, reopen from the tier above, grant entry after
/// the lock date; and the review table of a unit.
struct ReportReview {
    let scope: Scope
    let clock: AppClock


    enum Decision: String {
        case returned = "return"
        case approve
        case notReceived = "not-received"
        case reopen
    }

    func decide(_ decision: Decision, _ at: ReportService.Located, reason raw: String?) async throws -> ReportService.Located {
        let roles = ReportRoles(actor: scope.actor, reporter: at.template.reporter, path: at.slot.unitPath)
        let reason = (raw ?? "").trimmingWhitespace()
        if decision != .approve {
            guard !reason.isEmpty else { throw AppError.invalid("reason", "error.required") }
            guard reason.count <= 1000 else { throw AppError.invalid("reason", "error.too_long", "1000") }
        }
        let state = at.record?.state
        let from: [ReportRecord.State]
        let to: ReportRecord.State
        switch decision {
        case .returned, .approve:
            guard roles.reviews else { throw AppError.forbidden }
            guard state == .submitted else { throw AppError.conflict(FieldProblem("state", "error.report_not_submitted")) }
            (from, to) = ([.submitted], decision == .approve ? .approved : .returned)
        case .notReceived:
            guard roles.reviews else { throw AppError.forbidden }
            guard state == nil || state == .draft || state == .returned else {
                throw AppError.conflict(FieldProblem("state", "error.report_already_received"))
            }
            guard clock.today() > at.period.end else { throw AppError.conflict(FieldProblem("period", "error.period_not_ended")) }
            (from, to) = ([.draft, .returned], .notReceived)
        case .reopen:
            guard roles.reopens else { throw AppError.forbidden }
            guard state == .approved || state == .notReceived else { throw AppError.conflict(FieldProblem("state", "error.report_not_approved")) }
            (from, to) = ([.approved, .notReceived], .returned)
        }
        let now = clock.now()
        let record: ReportRecord
        if let existing = at.record {
            record = existing
        } else {
            record = ReportRecord()
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
            record.entries = "{}"
            record.figures = "{}"
            record.revision = 0
            record.updatedBy = scope.actor.login
            record.reason = ""
            record.warnings = 0
            record.state = .draft
        }
        let wasApproved = record.state == .approved
        let wasNew = at.record == nil
        let countedBefore = ReportFigures.measures(of: record).filter { $0 != .approved }
        // Approval needs the reports below settled; reopening, no approved report above that includes this one (it
        // would keep sums this report no longer backs). Both are checked inside the transaction, under the locks of
        // every template involved, taken in one order.
        let parents = decision == .reopen ? try await ReportTemplate.query(on: scope.db).filter(\.$includes == at.template.code).all() : []
        let related = decision == .approve && !at.template.includes.isEmpty ? [at.template.includes] : Array(Set(parents.map(\.code)))
        try await scope.db.writeTransaction { db in
            for code in Set([record.templateCode] + related).sorted() { try await ReportFigures.lock(template: code, period: record.period, on: db) }
            let inside = ReportService(scope: Scope(actor: scope.actor, db: db), clock: clock)
            if decision == .approve, let included = try await inside.included(at), included.settled < included.expected {
                throw AppError.conflict(FieldProblem("included", "error.children_unsettled", String(included.expected - included.settled)))
            }
            if let above = try await Self.approvedAbove(at, parents: parents, on: db) {
                throw AppError.conflict(FieldProblem("state", "error.report_parent_approved", above))
            }
            if wasNew { try await record.create(on: db) }
            // The state moves only from where it was read: a second reviewer acting at once finds nothing to move.
            let moved = try await (db as! any SQLDatabase).raw("""
                UPDATE reports SET state = \(bind: to.rawValue), reason = \(bind: reason), updated_by = \(bind: scope.actor.login),
                updated_at = \(bind: now) WHERE id = \(bind: record.id!) AND state IN (\(binds: from.map(\.rawValue))) RETURNING id
                """).all()
            guard moved.count == 1 else { throw AppError.conflict(FieldProblem("state", "error.report_changed")) }
            record.state = to
            record.reason = reason
            let expected = try await ReportFigures.isExpected(record, on: db)
            if decision == .approve {
                try await feedIndicators(record, at: at, sign: 1, on: db)
                if expected { try await ReportFigures.add([.approved], template: record.templateCode, unitPath: record.unitPath, periodEnd: record.periodEnd, 1, on: db) }
            }
            if decision == .reopen, wasApproved {
                try await feedIndicators(record, at: at, sign: -1, on: db)
                if expected { try await ReportFigures.add([.approved], template: record.templateCode, unitPath: record.unitPath, periodEnd: record.periodEnd, -1, on: db) }
            }
            // A report received, then returned and marked not received, stops counting as received; reopened, it counts again.
            if expected, decision == .notReceived {
                try await ReportFigures.add(countedBefore, template: record.templateCode, unitPath: record.unitPath, periodEnd: record.periodEnd, -1, on: db)
            }
            if expected, decision == .reopen, !wasApproved {
                try await ReportFigures.add(ReportFigures.measures(of: record), template: record.templateCode, unitPath: record.unitPath,
                                            periodEnd: record.periodEnd, 1, on: db)
            }
            let kind = decision == .returned ? "returned" : decision == .approve ? "approved" : decision == .reopen ? "reopened" : "not_received"
            try await ReportService.event(record, kind, actor: scope.actor, at: now, reason: reason, on: db)
            try await AuditLog.record(on: db, actor: scope.actor, at: now, action: .update, entity: "report", entityID: record.id,
                                      unitPath: record.unitPath, summary: "\(record.templateCode) \(record.period) \(at.slot.name): \(kind)",
                                      before: Nothing?.none, after: reason.isEmpty ? nil : reason)
        }
        var out = at
        out.record = record
        return out
    }

    /// The name of the unit whose approved report of a template in `parents` includes this reporter's for the period.
    static func approvedAbove(_ at: ReportService.Located, parents: [ReportTemplate], on db: any Database) async throws -> String? {
        guard !parents.isEmpty else { return nil }
        // The paths of the units above the reporter's: "/a/", "/a/b/", …
        var above: [String] = []
        var path = "/"
        for part in at.slot.unitPath.split(separator: "/").dropLast() {
            path += part + "/"
            above.append(path)
        }
        guard let parent = try await ReportRecord.query(on: db).filter(\.$templateCode ~~ Array(Set(parents.map(\.code))))
            .filter(\.$period == at.periodKey).filter(\.$state == .approved).filter(\.$unitPath ~~ above).first() else { return nil }
        return try await Unit.find(parent.unitID, on: db)?.name ?? parent.reporterKey
    }

    /// Adds (or, on reopening, takes back) the typed values of fields that feed a manual indicator, dated at the
    /// period's last day, to the reporter's unit: dashboards show them in the next request.
    private func feedIndicators(_ record: ReportRecord, at: ReportService.Located, sign: Int64, on db: any Database) async throws {
        let numbers = ReportService.entries(record).numbers
        let end = at.period.end
        var deltas = Rollups.Deltas()
        let units = try await Rollups.chains(for: [record.unitPath], on: db)[record.unitPath]!
        for f in at.template.definition.fields where f.kind == .number {
            guard let code = f.indicator, let value = numbers[f.code], value != 0 else { continue }
            let v = IndicatorValue()
            v.id = UUID()
            v.unitID = record.unitID
            v.unitPath = record.unitPath
            v.indicatorCode = code
            v.on = end.iso
            v.value = sign * value
            v.recordedBy = "report:\(record.templateCode):\(record.period):\(scope.actor.login)"
            try await v.create(on: db)
            deltas.add(units, Rollups.manualKey(code), on: end, sign * value)
        }
        try await deltas.apply(on: db)
    }

    /// Entry after the lock date, until `until` (at most 30 days ahead), granted by the reviewing tier with a reason.
    func grantException(_ at: ReportService.Located, _ request: ReportReasonRequest) async throws -> ReportService.Located {
        let roles = ReportRoles(actor: scope.actor, reporter: at.template.reporter, path: at.slot.unitPath)
        guard roles.reviews else { throw AppError.forbidden }
        let reason = (request.reason ?? "").trimmingWhitespace()
        var problems: [FieldProblem] = []
        if reason.isEmpty { problems.append(FieldProblem("reason", "error.required")) } else if reason.count > 1000 {
            problems.append(FieldProblem("reason", "error.too_long", "1000"))
        }
        let today = clock.today()
        let until = request.until.flatMap(LocalDate.init)
        if let until, !(today...today.adding(days: 30)).contains(until) {
            problems.append(FieldProblem("until", "error.date_range", today.iso, today.adding(days: 30).iso))
        } else if until == nil { problems.append(FieldProblem("until", request.until == nil ? "error.required" : "error.date")) }
        guard problems.isEmpty, let until else { throw AppError.invalid(problems) }
        if let state = at.record?.state, state == .approved || state == .notReceived {
            throw AppError.conflict(FieldProblem("state", "error.report_locked"))
        }
        // Only a period past its lock date needs one: a future period is never opened this way.
        guard today > at.calendar.lockDate(at.period) else {
            throw AppError.conflict(FieldProblem("period", "error.report_not_locked", at.calendar.lockDate(at.period).vietnamese))
        }
        let e = ReportException()
        e.id = UUID()
        e.templateCode = at.template.code
        e.reporterKey = at.slot.key
        e.unitPath = at.slot.unitPath
        e.period = at.periodKey
        e.until = until.iso
        e.reason = reason
        e.grantedBy = scope.actor.login
        try await scope.db.writeTransaction { db in
            try await e.create(on: db)
            try await AuditLog.record(on: db, actor: scope.actor, at: clock.now(), action: .create, entity: "report_exception", entityID: e.id,
                                      unitPath: e.unitPath, summary: "\(e.templateCode) \(e.period) \(at.slot.name) until \(e.until)",
                                      before: Nothing?.none, after: reason)
        }
        return at
    }

    // MARK: the review table

    /// The reports of `template` for `period` under a unit: each reporter's status when the unit reviews them (or is
    /// one tier above), the counts of closed periods from the rollups for the unit and each child, and the reminders sent.
    func table(unit code: String?, template templateCode: String?, period key: String?) async throws -> ReportReviewResponse {
        let versions = try await ReportTemplates(scope: scope, clock: clock).versions(code: templateCode)
        let cycle = versions[0].cycle
        guard let key, let period = cycle.period(key: key) else { throw AppError.invalid("period", "error.report_period", cycle.rawValue) }
        guard let template = ReportTemplates.version(of: versions, for: period) else {
            throw AppError.invalid("period", "error.before_template", versions[0].effectiveFrom)
        }
        let today = clock.today()
        let dashboards = DashboardService(scope: scope, clock: clock)
        let place = (code ?? "").isEmpty ? try await Self.ownPlace(scope) : try await dashboards.place(code: code, asOf: today)
        let calendar = template.calendar
        let periodKey = cycle.key(period)
        let closed = try await ReportSlots.isClosed(template.code, period: periodKey, on: scope.db)

        // Counts from the rollups (closed periods only have expected reporters).
        let children = try await dashboards.children(of: place, asOf: today)
        var query = FigureQuery()
        let keys = Set(ReportFigures.Measure.allCases.map { ReportFigures.key($0, template.code) })
        query.flows("counts", units: [place.id] + children.map(\.id), keys: keys, from: period.end, to: period.end)
        let flows = try await FigureReader(db: scope.db).run(query).figures("counts")
        func counts(_ unit: UUID) -> ReportCounts {
            let f = flows[unit] ?? [:]
            return ReportCounts(expected: f[ReportFigures.key(.expected, template.code)] ?? 0, received: f[ReportFigures.key(.received, template.code)] ?? 0,
                                onTime: f[ReportFigures.key(.onTime, template.code)] ?? 0, approved: f[ReportFigures.key(.approved, template.code)] ?? 0)
        }

        // Reporter by reporter where the unit reviews them or sits one tier above (a province sees each commune's teams
        // through its communes' rows, not one by one).
        var slots: [ReportReviewSlot] = []
        var missing: [ReportReporter] = []
        let reviewer = template.reporter.reviewerTier
        let listsReporters = place.tier == reviewer || (place.id == Rollups.nation && template.reporter == .province)
            || place.tier == template.reporter.tier
        if listsReporters {
            let all = try await ReportSlots.slots(template, period: period, under: place.path, on: scope.db)
            let records = try await Self.rows(template: template.code, period: periodKey, under: place.path, on: scope.db)
            let refs = try await ReportSlots.refs(all.map(\.unitID), on: scope.db)
            for s in all {
                let r = records[s.key]
                let reporter = ReportReporter(key: s.key, name: s.name, unit: refs[s.unitID] ?? place.ref)
                let status = ReportService.status(r?.state, calendar: calendar, period: period, today: today)
                slots.append(ReportReviewSlot(reporter: reporter, status: status, receivedAt: r?.receivedAt, onTime: r?.onTime,
                                             warnings: r?.receivedAt == nil ? 0 : r?.warnings ?? 0))
                if r?.receivedAt == nil, status != .notReceived { missing.append(reporter) }
            }
        }
        let reminders = try await OutboxMessage.query(on: scope.db).filter(\.$kind == "report_reminder")
            .filter(\.$dedupeKey >= "\(template.code)|\(periodKey)|").filter(\.$dedupeKey < "\(template.code)|\(periodKey)}")
            .under(place.path, \.$unitPath).sort(\.$createdAt, .descending).limit(200).all()
        let logins = try await User.query(on: scope.db).filter(\.$id ~~ Array(Set(reminders.map(\.recipientID)))).all()
        let loginOf = Dictionary(logins.map { ($0.id!, $0.login) }, uniquingKeysWith: { a, _ in a })
        return ReportReviewResponse(
            unit: place.ref, template: template.code, name: template.name, period: periodKey, deadline: calendar.deadline(period).iso,
            lockDate: calendar.lockDate(period).iso, closed: closed, counts: counts(place.id),
            children: children.map { ReportReviewChild(unit: $0.ref, counts: counts($0.id)) }, slots: slots, missing: missing,
            reminders: reminders.map { ReportReminderItem(recipient: loginOf[$0.recipientID] ?? "", message: $0.message, createdAt: $0.createdAt, status: $0.status) })
    }

    /// What the review table shows of a report.
    struct Row {
        var state: ReportRecord.State
        var receivedAt: Date?
        var onTime: Bool?
        var warnings: Int
    }

    /// The reports of a template's period under `path`, by reporter, read as rows (one range of their index).
    static func rows(template: String, period: String, under path: String, on db: any Database) async throws -> [String: Row] {
        let sql = db as! any SQLDatabase
        let query = sql.select().columns("reporter_key", "state", "received_at", "on_time", "warnings").from(ReportRecord.schema)
            .where("template_code", .equal, SQLBind(template)).where("period", .equal, SQLBind(period))
            .under(path, column: "unit_path")
        var out: [String: Row] = [:]
        for row in try await query.all() {
            guard let state = ReportRecord.State(rawValue: try row.decode(column: "state", as: String.self)) else { continue }
            out[try row.decode(column: "reporter_key", as: String.self)] = Row(
                state: state, receivedAt: try row.decodeNil(column: "received_at") ? nil : try row.decode(column: "received_at", as: Date.self),
                onTime: try row.decode(column: "on_time", as: Bool?.self), warnings: try row.decode(column: "warnings", as: Int.self))
        }
        return out
    }

    /// The account's own unit (the nation for a national account).
    static func ownPlace(_ scope: Scope) async throws -> DashboardService.Place {
        guard let id = Rollups.lastID(scope.actor.scopePath) else { return .nation }
        guard let unit = try await Unit.find(id, on: scope.db) else { throw AppError.notFound(what: "unit") }
        return DashboardService.Place(unit)
    }
}
