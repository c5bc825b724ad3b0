import Fluent
import Foundation
import LanToaCore

/// An indicator (chỉ tiêu đánh giá) of the catalogue: how a figure is computed from the rollups. National ones
/// (`unit_path` `/`) apply everywhere; a province's own apply within it.
final class IndicatorRecord: Model, @unchecked Sendable {
    static let schema = "indicators"

    @ID(key: .id) var id: UUID?
    @Field(key: "code") var code: String
    @Field(key: "kind") var kind: IndicatorKind
    @Field(key: "name") var name: String
    @Field(key: "name_en") var nameEn: String
    /// The service counted (count and coverage indicators), or "".
    @Field(key: "service_code") var serviceCode: String
    /// The structural figure (`teams`, `members`, `teams_compliant`, `households`, `households_visited`, `residents`), or "".
    @Field(key: "figure") var figure: String
    @Field(key: "unit_path") var unitPath: String
    @Field(key: "position") var position: Int

    init() {}
}

/// How an indicator's value is obtained.
enum IndicatorKind: String, Codable, Sendable, CaseIterable {
    /// Supports done for a service in the period.
    case count
    /// Residents (or households) with the service done ÷ those eligible, as a percentage, at the end of the period.
    case coverage
    /// Teams, members, compliant teams, households, households visited, residents, at the end of the period.
    case structural
    /// A value reported by hand (e.g. products listed online), summed over the period.
    case manual
}

/// A target (chỉ tiêu) of a unit for an indicator and a period, set by the unit's parent tier (or above).
final class TargetRecord: Model, @unchecked Sendable {
    static let schema = "targets"

    @ID(key: .id) var id: UUID?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?
    @Field(key: "unit_id") var unitID: UUID
    @Field(key: "unit_path") var unitPath: String
    @Field(key: "indicator_code") var indicatorCode: String
    /// The period as written (`2026`, `2026-Q2`, `2026-11`, `2026-06-01..2026-08-31`).
    @Field(key: "period") var period: String
    @Field(key: "period_start") var periodStart: String
    @Field(key: "period_end") var periodEnd: String
    /// A count, or a percentage for coverage indicators.
    @Field(key: "value") var value: Double
    /// How it was set: typed, or split from the parent's target (`even`, `population`, `eligible`).
    @Field(key: "method") var method: String
    @OptionalField(key: "campaign_id") var campaignID: UUID?
    @Field(key: "set_by") var setBy: String

    init() {}
}

/// A campaign (chiến dịch, đợt cao điểm) such as "92 ngày đêm": dates, units taking part, indicators with targets.
final class CampaignRecord: Model, @unchecked Sendable {
    static let schema = "campaigns"

    @ID(key: .id) var id: UUID?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Field(key: "name") var name: String
    @Field(key: "start_on") var startOn: String
    @Field(key: "end_on") var endOn: String
    /// The unit running the campaign.
    @Field(key: "owner_id") var ownerID: UUID
    @Field(key: "unit_path") var unitPath: String
    /// The codes of the units taking part, comma-separated.
    @Field(key: "unit_codes") var unitCodes: String
    /// The indicators followed, comma-separated.
    @Field(key: "indicator_codes") var indicatorCodes: String
    @Field(key: "created_by") var createdBy: String

    init() {}

    var period: ReportPeriod { ReportPeriod(kind: .range, start: LocalDate(startOn)!, end: LocalDate(endOn)!) }
}

/// A value reported by hand for a manual indicator (append-only; a correction is a further, possibly negative, value).
final class IndicatorValue: Model, @unchecked Sendable {
    static let schema = "indicator_values"

    @ID(key: .id) var id: UUID?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Field(key: "unit_id") var unitID: UUID
    @Field(key: "unit_path") var unitPath: String
    @Field(key: "indicator_code") var indicatorCode: String
    @Field(key: "on") var on: String
    @Field(key: "value") var value: Int64
    @Field(key: "recorded_by") var recordedBy: String

    init() {}
}
