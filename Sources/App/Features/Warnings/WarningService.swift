import Fluent
import Foundation
import LanToaCore
import SQLKit

/// Early warnings as officials and leaders read them: a unit's list (refreshed first), the account's own tasks, and a
/// province's thresholds.
struct WarningService {
    let scope: Scope
    let clock: AppClock

    /// The open warnings under a place, refreshed first (the warnings of a subtree are computed on demand).
    func list(unit code: String?) async throws -> WarningListResponse {
        let place = try await DashboardService(scope: scope, clock: clock).place(code: code, asOf: clock.today())
        try await EarlyWarnings(db: scope.db, clock: clock).refresh(under: place.path)
        let today = clock.today().iso
        let open = try await scope.query(EarlyWarning.self).under(place.path, \.$unitPath).filter(\.$closedOn == nil)
            .filter(\.$openedOn <= today).sort(\.$kind).sort(\.$subjectName).all()
        var counts: [String: Int] = [:]
        for w in open { counts[w.kind.rawValue, default: 0] += 1 }
        let province = EarlyWarnings.provincePath(place.path)
        return WarningListResponse(unit: place.ref, counts: counts, items: open.prefix(500).map(Self.response),
                                   settings: province == "/" ? nil : Self.response(try await settings(provincePath: province)))
    }

    /// How many warnings are open under a path, as last computed (the dashboard's link to the list).
    func openCount(under path: String) async throws -> Int {
        try await scope.query(EarlyWarning.self).under(path, \.$unitPath).filter(\.$closedOn == nil).filter(\.$openedOn <= clock.today().iso).count()
    }

    /// The account's tasks: the open warnings its role answers for at its own unit (a leader's team, a commune, a
    /// province's difficulties waiting for it).
    func tasks() async throws -> [WarningResponse] {
        guard [Role.leader, .commune, .province].contains(scope.actor.role) else { return [] }
        try await EarlyWarnings(db: scope.db, clock: clock).refresh(under: scope.actor.scopePath)
        return try await scope.query(EarlyWarning.self).filter(\.$unitPath == scope.actor.scopePath).filter(\.$responsible == scope.actor.role)
            .filter(\.$closedOn == nil).filter(\.$openedOn <= clock.today().iso).sort(\.$openedOn).all().map(Self.response)
    }

    static func response(_ w: EarlyWarning) -> WarningResponse {
        WarningResponse(id: w.id!, kind: w.kind, subject: w.subjectID, subjectName: w.subjectName, indicator: w.topic.isEmpty ? nil : w.topic,
                        responsible: w.responsible, detail: w.detail, openedOn: w.openedOn)
    }

    static func response(_ s: EarlyWarnings.Settings) -> WarningSettingsResponse {
        WarningSettingsResponse(idleDays: s.idleDays, noncompliantDays: s.noncompliantDays, untrainedAfterDays: s.untrainedAfterDays,
                                planPercent: s.planPercent, unansweredDays: s.unansweredDays)
    }

    func settings(provincePath: String) async throws -> EarlyWarnings.Settings {
        try await EarlyWarnings.settings(on: scope.db)[provincePath] ?? .defaults
    }

    /// A province's settings, readable from inside it and above it.
    func settings(code: String) async throws -> EarlyWarnings.Settings {
        let province = try await self.province(code)
        try scope.authorizeReading(unitAt: province.path)
        return try await settings(provincePath: province.path)
    }

    func province(_ code: String) async throws -> Unit {
        let unit = try await UnitService(scope: scope, clock: clock).find(code: code, asOf: clock.today())
        guard unit.tier == .province else { throw AppError.invalid("code", "error.not_province") }
        return unit
    }

    /// The province whose thresholds the account may set (those who set its targets).
    func provinceToUpdate(code: String) async throws -> Unit {
        let province = try await self.province(code)
        try scope.authorize(.setTargets, at: province.path)
        return province
    }

    /// Sets a province's thresholds; its warnings are refreshed in the same request.
    func update(_ province: Unit, _ request: WarningSettingsRequest) async throws -> EarlyWarnings.Settings {
        var problems: [FieldProblem] = []
        func check(_ value: Int?, _ field: String, _ range: ClosedRange<Int>) -> Int {
            guard let value else { problems.append(FieldProblem(field, "error.required")); return 0 }
            if !range.contains(value) { problems.append(FieldProblem(field, "error.range", String(range.lowerBound), String(range.upperBound))) }
            return value
        }
        let s = EarlyWarnings.Settings(idleDays: check(request.idleDays, "idleDays", 1...365),
                                       noncompliantDays: check(request.noncompliantDays, "noncompliantDays", 0...365),
                                       untrainedAfterDays: check(request.untrainedAfterDays, "untrainedAfterDays", 0...365),
                                       planPercent: check(request.planPercent, "planPercent", 1...100),
                                       unansweredDays: check(request.unansweredDays, "unansweredDays", 1...365))
        guard problems.isEmpty else { throw AppError.invalid(problems) }
        let before = try await settings(provincePath: province.path)
        try await scope.db.writeTransaction { db in
            let record = try await WarningSettingsRecord.query(on: db).filter(\.$unitPath == province.path).first() ?? WarningSettingsRecord()
            record.unitPath = province.path
            record.idleDays = s.idleDays
            record.noncompliantDays = s.noncompliantDays
            record.untrainedAfterDays = s.untrainedAfterDays
            record.planPercent = s.planPercent
            record.unansweredDays = s.unansweredDays
            record.updatedBy = scope.actor.login
            try await record.save(on: db)
            try await AuditLog.record(on: db, actor: scope.actor, at: clock.now(), action: .update, entity: "warning_settings", entityID: record.id,
                                      unitPath: province.path, summary: province.name, before: Self.response(before), after: Self.response(s))
        }
        try await EarlyWarnings(db: scope.db, clock: clock).refresh(under: province.path)
        return s
    }

    // MARK: notifications

    /// The account's messages, newest first.
    func notifications(limit: Int = 100) async throws -> [OutboxMessage] {
        guard let me = scope.actor.userID else { return [] }
        return try await OutboxMessage.query(on: scope.db).filter(\.$recipientID == me).sort(\.$createdAt, .descending).limit(limit).all()
    }

    static func response(_ m: OutboxMessage) -> NotificationResponse {
        NotificationResponse(id: m.id!, kind: m.kind, message: m.message, createdAt: m.createdAt, read: m.readAt != nil)
    }

    /// Marks the account's own messages read (others' are not found).
    func markRead(_ ids: [UUID]) async throws {
        guard let me = scope.actor.userID, !ids.isEmpty else { return }
        try await OutboxMessage.query(on: scope.db).filter(\.$recipientID == me).filter(\.$id ~~ ids).filter(\.$readAt == nil)
            .set(\.$readAt, to: clock.now()).update()
    }

    func markRead(_ id: UUID?) async throws {
        guard let id, let me = scope.actor.userID,
              try await OutboxMessage.query(on: scope.db).filter(\.$recipientID == me).filter(\.$id == id).count() > 0 else {
            throw AppError.notFound(what: "notification")
        }
        try await markRead([id])
    }
}
