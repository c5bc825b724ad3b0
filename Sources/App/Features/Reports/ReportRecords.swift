import Fluent
import Foundation
import LanToaCore

/// One version of a report template (mẫu báo cáo): national (`unit_path` `/`) or a province's own. A change is a new
/// version that applies from the next period; a report keeps the version it was made with.
final class ReportTemplate: Model, @unchecked Sendable {
    static let schema = "report_templates"

    @ID(key: .id) var id: UUID?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Field(key: "code") var code: String
    @Field(key: "version") var version: Int
    @Field(key: "unit_path") var unitPath: String
    @Field(key: "name") var name: String
    @Field(key: "name_en") var nameEn: String
    @Field(key: "cycle") var cycle: ReportCycle
    @Field(key: "deadline_days") var deadlineDays: Int
    @Field(key: "lock_days") var lockDays: Int
    @Field(key: "open_future_periods") var openFuturePeriods: Int
    /// Who reports: `team`, `commune` or `province`.
    @Field(key: "reporter") var reporter: ReportTemplateDefinition.Reporter
    /// `whole`: a team is first expected for the first period it exists from the first day; `any`: for the period it was founded in.
    @Field(key: "first_period") var firstPeriod: ReportTemplateDefinition.FirstPeriod
    /// Days relative to the deadline on which reminders go out (negative: before), comma-separated.
    @Field(key: "reminder_days") var reminderDays: String
    /// The first day of the first period this version applies to.
    @Field(key: "effective_from") var effectiveFrom: String
    /// The template whose approved reports this one sums (a commune's report includes its teams'), or "".
    @Field(key: "includes") var includes: String
    /// The fields and rules, as JSON (`ReportTemplateDefinition.Content`).
    @Field(key: "content") var content: String
    @Field(key: "created_by") var createdBy: String

    init() {}

    var calendar: ReportCalendar {
        ReportCalendar(cycle: cycle, deadlineDays: deadlineDays, lockDays: lockDays, openFuturePeriods: openFuturePeriods)
    }

    var definition: ReportTemplateDefinition.Content {
        (try? JSONDecoder().decode(ReportTemplateDefinition.Content.self, from: Data(content.utf8))) ?? .init(fields: [], rules: [])
    }

    var reminderOffsets: [Int] { reminderDays.split(separator: ",").compactMap { Int(String($0).trimmingWhitespace()) } }
}

/// A report (báo cáo định kỳ) of one reporter (a team, a commune, a province) for one period of a template.
final class ReportRecord: Model, @unchecked Sendable {
    static let schema = "reports"

    enum State: String, Codable, Sendable {
        case draft
        case submitted
        case returned
        case approved
        case notReceived = "not_received"
    }

    @ID(key: .id) var id: UUID?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?
    @Field(key: "template_id") var templateID: UUID
    @Field(key: "template_code") var templateCode: String
    /// The team's id, or the unit's code.
    @Field(key: "reporter_key") var reporterKey: String
    @OptionalField(key: "team_id") var teamID: UUID?
    @Field(key: "unit_id") var unitID: UUID
    @Field(key: "unit_path") var unitPath: String
    @Field(key: "period") var period: String
    @Field(key: "period_start") var periodStart: String
    @Field(key: "period_end") var periodEnd: String
    @Field(key: "state") var state: State
    /// Typed numbers and texts by field code (JSON).
    @Field(key: "entries") var entries: String
    /// Figures read from the rollups at the last submission, by field code (JSON).
    @Field(key: "figures") var figures: String
    /// When the server first received it: what timeliness is judged by.
    @OptionalField(key: "received_at") var receivedAt: Date?
    @OptionalField(key: "on_time") var onTime: Bool?
    @Field(key: "revision") var revision: Int
    @Field(key: "updated_by") var updatedBy: String
    /// The reviewer's reason when returned, marked not received or reopened.
    @Field(key: "reason") var reason: String
    /// How many rule warnings the values had at the last submission (with the history of that day).
    @Field(key: "warnings") var warnings: Int

    init() {}
}

/// A step in a report's history: saved, submitted, returned, approved, reopened, marked not received; with the values
/// as they were.
final class ReportEvent: Model, @unchecked Sendable {
    static let schema = "report_events"

    @ID(key: .id) var id: UUID?
    @Field(key: "report_id") var reportID: UUID
    @Field(key: "unit_path") var unitPath: String
    @Field(key: "kind") var kind: String
    @Field(key: "actor") var actor: String
    @Field(key: "at") var at: Date
    @Field(key: "reason") var reason: String
    @Field(key: "entries") var entries: String

    init() {}
}

/// A reporter that had to report for a period (kept when the period closes, from the dated history of teams and
/// units): what completeness is measured against, so that later changes never move a past period's rates.
final class ReportExpectation: Model, @unchecked Sendable {
    static let schema = "report_expectations"

    @ID(key: .id) var id: UUID?
    @Field(key: "template_code") var templateCode: String
    @Field(key: "reporter_key") var reporterKey: String
    @Field(key: "unit_path") var unitPath: String
    @Field(key: "period") var period: String
    @Field(key: "period_end") var periodEnd: String

    init() {}
}

/// Entry after the lock date, granted by the reviewing tier with a reason until a date (ngoại lệ khóa sổ).
final class ReportException: Model, @unchecked Sendable {
    static let schema = "report_exceptions"

    @ID(key: .id) var id: UUID?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Field(key: "template_code") var templateCode: String
    @Field(key: "reporter_key") var reporterKey: String
    @Field(key: "unit_path") var unitPath: String
    @Field(key: "period") var period: String
    @Field(key: "until") var until: String
    @Field(key: "reason") var reason: String
    @Field(key: "granted_by") var grantedBy: String

    init() {}
}

extension ReportRecord: ScopedModel { static var unitPathField: KeyPath<ReportRecord, FieldProperty<ReportRecord, String>> { \.$unitPath } }
extension ReportEvent: ScopedModel { static var unitPathField: KeyPath<ReportEvent, FieldProperty<ReportEvent, String>> { \.$unitPath } }
extension ReportExpectation: ScopedModel {
    static var unitPathField: KeyPath<ReportExpectation, FieldProperty<ReportExpectation, String>> { \.$unitPath }
}
extension ReportException: ScopedModel {
    static var unitPathField: KeyPath<ReportException, FieldProperty<ReportException, String>> { \.$unitPath }
}
