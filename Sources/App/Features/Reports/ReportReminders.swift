import Fluent
import Foundation
import LanToaCore
import SQLKit

/// Reminders (nhắc nộp báo cáo): on each day a template names relative to the deadline (before it and after it), every
/// reporter of an open period that has not reported gets one in the outbox, addressed to its accounts (a team's leaders,
/// a commune's or a province's officials), in Vietnamese. A reminder is written once, whenever the job runs on or after
/// its day and before the lock date.
enum ReportReminders {
    /// Writes the reminders due on `today`; returns how many were new.
    @discardableResult
    static func run(today: LocalDate, on db: any Database) async throws -> Int {
        let sql = db as! any SQLDatabase
        let templates = try await ReportTemplate.query(on: db).all()
        var written = 0
        for (_, versions) in Dictionary(grouping: templates, by: \.code).sorted(by: { $0.key < $1.key }) {
            guard let first = versions.first else { continue }
            // Periods whose reminder days may fall today: those ended within the lock window, and the current one.
            for period in first.cycle.periods(from: today.adding(days: -130), through: today) {
                guard let template = ReportTemplates.version(of: versions, for: period) else { continue }
                let calendar = template.calendar
                let deadline = calendar.deadline(period)
                let due = template.reminderOffsets.filter { deadline.adding(days: $0) <= today }
                guard let offset = due.max(), today <= calendar.lockDate(period) else { continue }
                let key = template.cycle.key(period)
                let slots = try await ReportSlots.slots(template, period: period, under: "/", on: db)
                let received = Set(try await ReportRecord.query(on: db).filter(\.$templateCode == template.code).filter(\.$period == key)
                    .filter(\.$state != .draft).all(\.$reporterKey))
                let waiting = slots.filter { !received.contains($0.key) }
                guard !waiting.isEmpty else { continue }
                let role: Role = template.reporter == .team ? .leader : template.reporter == .commune ? .commune : .province
                var accounts: [String: [UUID]] = [:]
                for chunk in Array(Set(waiting.map(\.unitPath))).chunked(500) {
                    for u in try await User.query(on: db).filter(\.$role == role).filter(\.$disabled == false).filter(\.$unitPath ~~ Array(chunk)).all() {
                        accounts[u.unitPath, default: []].append(u.id!)
                    }
                }
                var rows: [[any SQLExpression]] = []
                for s in waiting {
                    let text = offset < 0
                        ? "Nhắc nộp báo cáo: \(template.name) kỳ \(key) của \(s.name), hạn nộp \(deadline.vietnamese)."
                        : offset == 0 ? "Hôm nay là hạn nộp \(template.name) kỳ \(key) của \(s.name)."
                        : "\(template.name) kỳ \(key) của \(s.name) đã quá hạn nộp (\(deadline.vietnamese)); sổ khóa ngày \(calendar.lockDate(period).vietnamese)."
                    for recipient in accounts[s.unitPath] ?? [] {
                        rows.append([SQLBind(UUID()), SQLBind(Date()), SQLBind(recipient), SQLBind(s.unitPath), SQLBind("report_reminder"),
                                     SQLBind("\(template.code)|\(key)|\(s.key)|\(offset)|\(recipient.uuidString.lowercased())"),
                                     SQLBind(text), SQLBind("pending")])
                    }
                }
                for chunk in rows.chunked(300) {
                    var insert = sql.insert(into: OutboxMessage.schema)
                        .columns("id", "created_at", "recipient_id", "unit_path", "kind", "dedupe_key", "message", "status")
                    for r in chunk { insert = insert.values(r) }
                    written += try await insert.ignoringConflicts(with: ["dedupe_key"]).returning("id").all().count
                }
            }
        }
        return written
    }
}
