import Fluent
import Foundation
import LanToaCore
import SQLKit

/// Periodic reports: templates with their national defaults, reports and their history, the expected reporters of each
/// closed period, lock exceptions, the outbox of reminders, and the completeness and timeliness indicators.
struct CreateReports: AsyncMigration {
    /// The first period the national templates apply to: October 2026, the first month reported in Lan Tỏa.
    static let nationalStart = "2026-10-01"

    func prepare(on database: any Database) async throws {
        let path = Indexes.pathType(database)
        try await database.schema(ReportTemplate.schema)
            .id()
            .field("created_at", .datetime)
            .field("code", .string, .required)
            .field("version", .int, .required)
            .field("unit_path", path, .required)
            .field("name", .string, .required)
            .field("name_en", .string, .required)
            .field("cycle", .string, .required)
            .field("deadline_days", .int, .required)
            .field("lock_days", .int, .required)
            .field("open_future_periods", .int, .required)
            .field("reporter", .string, .required)
            .field("first_period", .string, .required)
            .field("reminder_days", .string, .required)
            .field("effective_from", .string, .required)
            .field("includes", .string, .required)
            .field("content", .string, .required)
            .field("created_by", .string, .required)
            .unique(on: "code", "version")
            .create()
        try await database.schema(ReportRecord.schema)
            .id()
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .field("template_id", .uuid, .required, .references(ReportTemplate.schema, .id))
            .field("template_code", .string, .required)
            .field("reporter_key", .string, .required)
            .field("team_id", .uuid)
            .field("unit_id", .uuid, .required)
            .field("unit_path", path, .required)
            .field("period", .string, .required)
            .field("period_start", .string, .required)
            .field("period_end", .string, .required)
            .field("state", .string, .required)
            .field("entries", .string, .required)
            .field("figures", .string, .required)
            .field("received_at", .datetime)
            .field("on_time", .bool)
            .field("revision", .int, .required)
            .field("updated_by", .string, .required)
            .field("reason", .string, .required)
            .unique(on: "template_code", "reporter_key", "period")
            .create()
        try await database.schema(ReportEvent.schema)
            .id()
            .field("report_id", .uuid, .required, .references(ReportRecord.schema, .id))
            .field("unit_path", path, .required)
            .field("kind", .string, .required)
            .field("actor", .string, .required)
            .field("at", .datetime, .required)
            .field("reason", .string, .required)
            .field("entries", .string, .required)
            .create()
        try await database.schema(ReportExpectation.schema)
            .id()
            .field("template_code", .string, .required)
            .field("reporter_key", .string, .required)
            .field("unit_path", path, .required)
            .field("period", .string, .required)
            .field("period_end", .string, .required)
            .unique(on: "template_code", "reporter_key", "period")
            .create()
        try await database.schema(ReportException.schema)
            .id()
            .field("created_at", .datetime)
            .field("template_code", .string, .required)
            .field("reporter_key", .string, .required)
            .field("unit_path", path, .required)
            .field("period", .string, .required)
            .field("until", .string, .required)
            .field("reason", .string, .required)
            .field("granted_by", .string, .required)
            .create()
        try await database.schema(OutboxMessage.schema)
            .id()
            .field("created_at", .datetime)
            .field("recipient_id", .uuid, .required)
            .field("unit_path", path, .required)
            .field("kind", .string, .required)
            .field("dedupe_key", .string, .required)
            .field("message", .string, .required)
            .field("status", .string, .required)
            .unique(on: "dedupe_key")
            .create()
        // Which periods of a template have been closed (their expected reporters written).
        try await (database as! any SQLDatabase).raw("""
            CREATE TABLE report_closed_periods (template_code TEXT NOT NULL, period TEXT NOT NULL, PRIMARY KEY (template_code, period))
            """).run()
        try await Indexes.create(on: database, [
            ("reports_path", ReportRecord.schema, ["unit_path"]),
            ("reports_template_period", ReportRecord.schema, ["template_code", "period"]),
            ("report_events_report", ReportEvent.schema, ["report_id"]),
            ("report_expectations_period", ReportExpectation.schema, ["template_code", "period", "unit_path"]),
            ("report_exceptions_key", ReportException.schema, ["template_code", "reporter_key", "period"]),
            ("outbox_status", OutboxMessage.schema, ["status"]),
        ])
        for t in ReportTemplateDefinition.national {
            let record = ReportTemplate()
            record.code = t.code
            record.version = 1
            record.unitPath = "/"
            record.name = t.name
            record.nameEn = t.nameEn
            record.cycle = .month
            record.deadlineDays = t.reporter == .team ? 3 : t.reporter == .commune ? 5 : 7
            record.lockDays = record.deadlineDays + 10
            record.openFuturePeriods = 0
            record.reporter = t.reporter
            record.firstPeriod = .whole
            record.reminderDays = "-2,0,3"
            record.effectiveFrom = Self.nationalStart
            record.includes = t.includes
            record.content = String(decoding: try JSONEncoder().encode(t.content), as: UTF8.self)
            record.createdBy = "system"
            try await record.create(on: database)
        }
        let last = try await IndicatorRecord.query(on: database).max(\.$position) ?? 0
        for (i, indicator) in ReportTemplateDefinition.nationalIndicators.enumerated() {
            indicator.position = last + 1 + i
            try await indicator.create(on: database)
        }
    }

    func revert(on database: any Database) async throws {
        try await IndicatorRecord.query(on: database).filter(\.$kind == .reporting).delete()
        try await (database as! any SQLDatabase).raw("DROP TABLE report_closed_periods").run()
        for schema in [OutboxMessage.schema, ReportException.schema, ReportExpectation.schema, ReportEvent.schema, ReportRecord.schema,
                       ReportTemplate.schema] {
            try await database.schema(schema).delete()
        }
    }
}
