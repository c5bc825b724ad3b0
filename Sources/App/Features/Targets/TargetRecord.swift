import Fluent
import Foundation
import LanToaCore

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
