import Fluent
import Foundation
import LanToaCore
import SQLKit

/// The number of rule warnings a report had when it was submitted, kept on the report so that a review table reads it
/// with the report's row instead of checking every report against its history again; and the reports' index by
/// template, period and unit path, so that a province's table reads its own reports as one range. Reports received
/// before get their count here, under the rules of their version with their reporter's earlier approved reports as history.
struct AddReportWarnings: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(ReportRecord.schema).field("warnings", .int, .required, .sql(.default(0))).update()
        let sql = database as! any SQLDatabase
        try await sql.drop(index: "reports_template_period").run()
        try await Indexes.create(on: database, [("reports_template_period_path", ReportRecord.schema, ["template_code", "period", "unit_path"])])
        let templates = try await ReportTemplate.query(on: database).all()
        for (code, versions) in Dictionary(grouping: templates, by: \.code) {
            let rulesOf = Dictionary(versions.map { ($0.id!, $0.definition.rules) }, uniquingKeysWith: { a, _ in a })
            guard rulesOf.values.contains(where: { !$0.isEmpty }) else { continue }
            let periods = try await sql.raw("SELECT DISTINCT period FROM reports WHERE template_code = \(bind: code) AND received_at IS NOT NULL")
                .all().map { try $0.decode(column: "period", as: String.self) }
            for period in periods {
                let received = try await ReportRecord.query(on: database).filter(\.$templateCode == code).filter(\.$period == period)
                    .filter(\.$receivedAt != nil).all()
                for r in received {
                    let rules = rulesOf[r.templateID] ?? []
                    guard !rules.isEmpty else { continue }
                    let history = rules.contains(where: { $0.kind == .usual })
                        ? try await ReportService.history(template: code, reporter: r.reporterKey, before: period, on: database) : [:]
                    let count = ReportRules.check(rules, values: ReportService.checkedValues(r), history: history).count
                    if count > 0 { try await sql.update(ReportRecord.schema).set("warnings", to: SQLBind(count)).where("id", .equal, SQLBind(r.id!)).run() }
                }
            }
        }
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.drop(index: "reports_template_period_path").run()
        try await Indexes.create(on: database, [("reports_template_period", ReportRecord.schema, ["template_code", "period"])])
        // Raw: Fluent's SQLite driver leaves a dropped field in place.
        try await sql.raw("ALTER TABLE reports DROP COLUMN warnings").run()
    }
}
