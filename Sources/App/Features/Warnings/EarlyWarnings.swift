import Fluent
import Foundation
import LanToaCore
import SQLKit

/// Computes the early warnings of a subtree (cảnh báo sớm): daily for the whole country, and on demand when a
/// warning list or a task list is opened. New conditions open a warning and write its task to the outbox of the
/// accounts responsible; conditions that cleared close their warning; all in one transaction.
struct EarlyWarnings {
    let db: any Database
    let clock: AppClock

    /// A province's thresholds.
    struct Settings: Equatable, Sendable {
        var idleDays = 14
        var noncompliantDays = 30
        var untrainedAfterDays = 90
        var planPercent = 80
        var unansweredDays = 3

        static let defaults = Settings()
    }

    /// A condition found now.
    struct Finding {
        var kind: WarningKind
        var subject: UUID
        var topic = ""
        var subjectName: String
        var unitPath: String
        var responsible: Role
        var detail: String
        /// Days after it is first seen before it shows.
        var grace = 0

        var key: String { "\(kind.rawValue)|\(subject.uuidString.lowercased())|\(topic)" }
    }

    /// The settings of every province that set its own, by province path.
    static func settings(on db: any Database) async throws -> [String: Settings] {
        var out: [String: Settings] = [:]
        for r in try await WarningSettingsRecord.query(on: db).all() {
            out[r.unitPath] = Settings(idleDays: r.idleDays, noncompliantDays: r.noncompliantDays, untrainedAfterDays: r.untrainedAfterDays,
                                       planPercent: r.planPercent, unansweredDays: r.unansweredDays)
        }
        return out
    }

    static func provincePath(_ path: String) -> String {
        path.split(separator: "/").first.map { "/\($0)/" } ?? "/"
    }

    /// Refreshes the warnings under `path` (`/` for the country); returns how many opened and closed.
    @discardableResult
    func refresh(under path: String) async throws -> (opened: Int, closed: Int) {
        let today = clock.today()
        let findings = try await find(under: path, today: today)
        return try await db.writeTransaction { db in
            try await Self.apply(findings, under: path, today: today, on: db)
        }
    }

    /// Every condition under `path` today.
    func find(under path: String, today: LocalDate) async throws -> [Finding] {
        let sql = db as! any SQLDatabase
        let settings = try await Self.settings(on: db)
        func of(_ unitPath: String) -> Settings { settings[Self.provincePath(unitPath)] ?? .defaults }
        var findings: [Finding] = []

        // Teams: idle, failing the composition rules, members untrained this year.
        var teams: [(id: UUID, path: String, name: String, founded: String, compliant: Bool)] = []
        var select = sql.select().column("id").column("unit_path").column("name").column("decision_date").column("compliant").from(Team.schema)
            .where("status", .equal, Team.Status.active.rawValue)
        if path != "/" { select = select.where("unit_path", .greaterThanOrEqual, path).where("unit_path", .lessThan, UnitPaths.upperBound(path)) }
        for row in try await select.all() {
            teams.append((try row.decode(column: "id", as: UUID.self), try row.decode(column: "unit_path", as: String.self),
                          try row.decode(column: "name", as: String.self), try row.decode(column: "decision_date", as: String.self),
                          try row.decode(column: "compliant", as: Bool.self)))
        }
        let last = try await DashboardService.lastActivity(of: teams.map(\.id), on: db)
        var untrained: [UUID: Int] = [:]
        let yearStart = LocalDate(year: today.year, month: 1, day: 1)!
        var counted = try await sql.raw("""
            SELECT m.team_id AS team_id, COUNT(*) AS n FROM memberships m WHERE m.valid_to = \(bind: LocalDate.distantFuture.iso)
            AND m.unit_path >= \(bind: path) AND m.unit_path < \(bind: UnitPaths.upperBound(path))
            AND NOT EXISTS (SELECT 1 FROM training_attendances a WHERE a.member_id = m.member_id AND a.present = \(bind: true)
              AND a.held_on >= \(bind: yearStart.iso))
            GROUP BY m.team_id
            """).all()
        for row in counted { untrained[try row.decode(column: "team_id", as: UUID.self)] = try row.decode(column: "n", as: Int.self) }
        counted = []
        for t in teams {
            let s = of(t.path)
            if DashboardService.isQuiet(lastOn: last[t.id], founded: t.founded, days: s.idleDays, today: today),
               let since = LocalDate(last[t.id] ?? t.founded) {
                let detail = last[t.id] == nil
                    ? "\(t.name) chưa ghi nhận lượt hỗ trợ nào từ khi thành lập (\(since.vietnamese))."
                    : "\(t.name) không ghi nhận hỗ trợ nào từ ngày \(since.vietnamese) (\(since.days(to: today)) ngày)."
                findings.append(Finding(kind: .teamIdle, subject: t.id, subjectName: t.name, unitPath: t.path, responsible: .leader, detail: detail))
            }
            if !t.compliant {
                findings.append(Finding(kind: .teamNoncompliant, subject: t.id, subjectName: t.name, unitPath: Self.communePath(t.path),
                                        responsible: .commune, detail: "\(t.name) chưa đúng cơ cấu thành phần quá \(s.noncompliantDays) ngày.",
                                        grace: s.noncompliantDays))
            }
            if let n = untrained[t.id], n > 0, yearStart.days(to: today) >= s.untrainedAfterDays {
                findings.append(Finding(kind: .membersUntrained, subject: t.id, subjectName: t.name, unitPath: t.path, responsible: .leader,
                                        detail: "\(t.name) có \(n) thành viên chưa được tập huấn năm \(today.year)."))
            }
        }
        findings += try await behindPlan(under: path, today: today, settings: of)

        // Difficulties waiting for a first answer: the commune's, or the province's once forwarded.
        var waiting = Difficulty.query(on: db).filter(\.$status == .open).filter(\.$firstAnsweredAt == nil)
        if path != "/" { waiting = waiting.under(path, \.$unitPath) }
        for d in try await waiting.all() {
            guard let raised = LocalDate(d.raisedOn), raised.days(to: today) > of(d.unitPath).unansweredDays else { continue }
            let atProvince = d.level == .province
            findings.append(Finding(kind: .difficultyUnanswered, subject: d.id!, subjectName: d.raisedByName,
                                    unitPath: atProvince ? Self.provincePath(d.unitPath) : d.communePath, responsible: atProvince ? .province : .commune,
                                    detail: "Vướng mắc của \(d.raisedByName) chưa được trả lời từ ngày \(raised.vietnamese) (\(raised.days(to: today)) ngày): "
                                        + DifficultyService.excerpt(d.description)))
        }
        return findings
    }

    /// A team's commune: a hamlet's parent path, or the commune itself for a team of a commune.
    static func communePath(_ teamPath: String) -> String {
        let parts = teamPath.split(separator: "/")
        return parts.count >= 3 ? "/" + parts.prefix(parts.count - 1).joined(separator: "/") + "/" : teamPath
    }

    /// Communes whose figure for the year, on an indicator with a yearly target (not a rate), is under the province's
    /// share of the target pro rata to the days gone.
    func behindPlan(under path: String, today: LocalDate, settings: (String) -> Settings) async throws -> [Finding] {
        let sql = db as! any SQLDatabase
        let year = ReportPeriod.year(today.year)
        var communes: [UUID: Unit] = [:]
        var query = Unit.query(on: db).filter(\.$tier == .commune).filter(\.$validFrom <= today.iso).filter(\.$validTo >= today.iso)
        if path != "/" { query = query.under(path, \.$path) }
        for u in try await query.all() { communes[u.id!] = u }
        guard !communes.isEmpty else { return [] }
        var targets: [UUID: [String: Double]] = [:]
        for chunk in Array(communes.keys).chunked(500) {
            for row in try await sql.raw("""
                SELECT unit_id, indicator_code, value FROM targets WHERE period = \(bind: year.description) AND unit_id IN (\(binds: Array(chunk)))
                """).all() {
                targets[try row.decode(column: "unit_id", as: UUID.self), default: [:]][try row.decode(column: "indicator_code", as: String.self)] =
                    try row.decode(column: "value", as: Double.self)
            }
        }
        guard !targets.isEmpty else { return [] }
        let service = DashboardService(scope: Scope(actor: .system, db: db), clock: clock)
        let targeted = Set(targets.values.flatMap(\.keys))
        let indicators = try await IndicatorRecord.query(on: db).all().filter { !$0.kind.isRate && targeted.contains($0.code) }
        let formulas = try await service.formulas(indicators)
        var figureQuery = FigureQuery()
        DashboardService.addFigures(to: &figureQuery, units: Array(targets.keys), formulas: Array(formulas.values), period: year)
        let figures = DashboardService.PeriodFigures(try await FigureReader(db: db).run(figureQuery))
        // The share of the year gone by the start of today: nothing is expected on 1 January.
        let share = Double(year.start.days(to: today)) / Double(year.start.days(to: year.end) + 1)
        var out: [Finding] = []
        for (unit, byIndicator) in targets {
            guard let commune = communes[unit] else { continue }
            let percent = Double(settings(commune.path).planPercent)
            for i in indicators {
                guard let target = byIndicator[i.code], target > 0, let f = formulas[i.code] else { continue }
                let actual = figures.value(f, unit: unit).actual
                let expected = target * share
                guard actual * 100 < expected * percent else { continue }
                out.append(Finding(kind: .behindPlan, subject: unit, topic: i.code, subjectName: commune.name, unitPath: commune.path,
                                   responsible: .commune,
                                   detail: "\(commune.name): \(i.name) đạt \(NumberFormatting.grouped(Int(actual), separator: ".")) / chỉ tiêu năm "
                                       + "\(NumberFormatting.grouped(Int(target), separator: ".")), dưới \(Int(percent))% mức cần đạt đến hôm nay "
                                       + "(\(NumberFormatting.grouped(Int(expected.rounded()), separator: ".")))."))
            }
        }
        return out
    }

    /// Opens, updates and closes the warnings under `path` against what was found, and writes the tasks now due to the
    /// outbox of the accounts responsible.
    static func apply(_ findings: [Finding], under path: String, today: LocalDate, on db: any Database) async throws -> (opened: Int, closed: Int) {
        let sql = db as! any SQLDatabase
        var open = EarlyWarning.query(on: db).filter(\.$closedOn == nil)
        if path != "/" { open = open.under(path, \.$unitPath) }
        let current = Dictionary(try await open.all().map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        // A finding filed above the refreshed area (a team's composition at its commune, a forwarded difficulty at its
        // province) is left to the refreshes of that area, which see its open warning.
        let found = Dictionary(findings.filter { path == "/" || $0.unitPath.hasPrefix(path) }.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        var opened = 0, closed = 0
        for (key, w) in current where found[key] == nil {
            w.closedOn = today.iso
            try await w.save(on: db)
            closed += 1
        }
        var rows: [[any SQLExpression]] = []
        for (key, f) in found.sorted(by: { $0.key < $1.key }) {
            if let w = current[key] {
                if w.unitPath != f.unitPath || w.responsible != f.responsible {
                    // It moved (a difficulty forwarded to the province): the new accounts responsible are told.
                    w.unitPath = f.unitPath
                    w.responsible = f.responsible
                    w.notified = false
                }
                if w.detail != f.detail { w.detail = f.detail }
                if w.hasChanges { try await w.save(on: db) }
                continue
            }
            rows.append([SQLBind(UUID()), SQLBind(Date()), SQLBind(f.kind.rawValue), SQLBind(key), SQLBind(f.subject), SQLBind(f.topic),
                         SQLBind(f.subjectName), SQLBind(f.unitPath), SQLBind(f.responsible.rawValue), SQLBind(f.detail), SQLBind(today.iso),
                         SQLBind(today.adding(days: f.grace > 0 ? f.grace + 1 : 0).iso), SQLBind(false)])
        }
        for chunk in rows.chunked(300) {
            var insert = sql.insert(into: EarlyWarning.schema).columns("id", "created_at", "kind", "key", "subject_id", "topic", "subject_name",
                                                                        "unit_path", "responsible", "detail", "seen_on", "opened_on", "notified")
            for r in chunk { insert = insert.values(r) }
            opened += try await insert.ignoringConflicts(with: ["key", "seen_on"]).returning("id").all().count
        }
        try await notify(under: path, today: today, on: db)
        return (opened, closed)
    }

    /// Writes the task of every open warning now due and not yet told, to each account responsible.
    static func notify(under path: String, today: LocalDate, on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        var due = EarlyWarning.query(on: db).filter(\.$closedOn == nil).filter(\.$notified == false).filter(\.$openedOn <= today.iso)
        if path != "/" { due = due.under(path, \.$unitPath) }
        let warnings = try await due.all()
        guard !warnings.isEmpty else { return }
        var accounts: [String: [UUID]] = [:]
        for chunk in Array(Set(warnings.map(\.unitPath))).chunked(500) {
            for u in try await User.query(on: db).filter(\.$role ~~ [Role.leader, .commune, .province]).filter(\.$disabled == false)
                .filter(\.$unitPath ~~ Array(chunk)).all() {
                accounts["\(u.role.rawValue)|\(u.unitPath)", default: []].append(u.id!)
            }
        }
        var rows: [[any SQLExpression]] = []
        for w in warnings {
            for recipient in accounts["\(w.responsible.rawValue)|\(w.unitPath)"] ?? [] {
                rows.append([SQLBind(UUID()), SQLBind(Date()), SQLBind(recipient), SQLBind(w.unitPath), SQLBind("warning_task"),
                             SQLBind("warning|\(w.id!.uuidString.lowercased())|\(recipient.uuidString.lowercased())"),
                             SQLBind("Cảnh báo sớm: " + w.detail), SQLBind("pending")])
            }
        }
        for chunk in rows.chunked(300) {
            var insert = sql.insert(into: OutboxMessage.schema)
                .columns("id", "created_at", "recipient_id", "unit_path", "kind", "dedupe_key", "message", "status")
            for r in chunk { insert = insert.values(r) }
            try await insert.ignoringConflicts(with: ["dedupe_key"]).run()
        }
        for chunk in warnings.map({ $0.id! }).chunked(500) {
            try await EarlyWarning.query(on: db).filter(\.$id ~~ Array(chunk)).set(\.$notified, to: true).update()
        }
    }
}
