import Fluent
import Foundation
import LanToaCore

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
