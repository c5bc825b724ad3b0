import Fluent
import Foundation
import LanToaCore

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
