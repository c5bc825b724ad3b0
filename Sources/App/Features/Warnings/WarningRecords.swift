import Fluent
import Foundation
import LanToaCore

/// What an early warning is about.
enum WarningKind: String, Codable, Sendable, CaseIterable {
    /// A team with no support recorded for the province's number of days (or never since its founding).
    case teamIdle = "team_idle"
    /// A team failing the composition rules for more than the province's number of days.
    case teamNoncompliant = "team_noncompliant"
    /// A team with serving members not trained this year, once the province's days from 1 January have passed.
    case membersUntrained = "members_untrained"
    /// A commune under the province's share of its yearly target, pro rata to the days gone.
    case behindPlan = "behind_plan"
    /// A difficulty waiting for its first answer for more than the province's number of days.
    case difficultyUnanswered = "difficulty_unanswered"
}

/// An early warning (cảnh báo sớm): a condition found on a team or a commune, open from `opened_on` until the
/// condition clears. While open it is a task for the accounts responsible (the team's leaders, the commune's
/// officials), who get a message in the outbox when it opens.
final class EarlyWarning: Model, @unchecked Sendable {
    static let schema = "early_warnings"

    // managed fields
    @ID(key: .id) var id: UUID?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    // data fields
    @Field(key: "kind") var kind: WarningKind
    /// Kind, subject and topic: one open warning per key.
    @Field(key: "key") var key: String
    @Field(key: "subject_id") var subjectID: UUID
    /// The indicator a commune is behind on, or "".
    @Field(key: "topic") var topic: String
    @Field(key: "subject_name") var subjectName: String
    @Field(key: "unit_path") var unitPath: String
    /// The role whose accounts at `unit_path` answer for it: `leader`, `commune` or `province`.
    @Field(key: "responsible") var responsible: Role
    @Field(key: "detail") var detail: String
    /// The day the condition was first seen.
    @Field(key: "seen_on") var seenOn: String
    /// The day it shows (after a grace period for composition findings).
    @Field(key: "opened_on") var openedOn: String
    @OptionalField(key: "closed_on") var closedOn: String?
    /// Whether its task was written to the responsible accounts' outbox.
    @Field(key: "notified") var notified: Bool

    init() {}
}

/// A province's thresholds for the early warnings; the defaults apply until it sets its own.
final class WarningSettingsRecord: Model, @unchecked Sendable {
    static let schema = "warning_settings"

    @ID(key: .id) var id: UUID?
    @Field(key: "unit_path") var unitPath: String
    @Field(key: "idle_days") var idleDays: Int
    @Field(key: "noncompliant_days") var noncompliantDays: Int
    @Field(key: "untrained_after_days") var untrainedAfterDays: Int
    @Field(key: "plan_percent") var planPercent: Int
    /// From migration `CreateDifficulties` on.
    @Field(key: "unanswered_days") var unansweredDays: Int
    @Field(key: "updated_by") var updatedBy: String

    init() {}
}

extension EarlyWarning: ScopedModel {
    static var unitPathField: KeyPath<EarlyWarning, FieldProperty<EarlyWarning, String>> { \.$unitPath }
}
extension WarningSettingsRecord: ScopedModel {
    static var unitPathField: KeyPath<WarningSettingsRecord, FieldProperty<WarningSettingsRecord, String>> { \.$unitPath }

    /// A province's settings are read from inside it and from above it.
    static func restrict(_ query: QueryBuilder<WarningSettingsRecord>, toScope path: String) -> QueryBuilder<WarningSettingsRecord> {
        restrictToLineAndSubtree(query, toScope: path)
    }
}
