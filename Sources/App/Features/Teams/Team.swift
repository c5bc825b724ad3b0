import Fluent
import Foundation
import LanToaCore

/// A community digital technology team (Tổ công nghệ số cộng đồng, Tổ CNSCĐ) of a hamlet or a commune.
final class Team: Model, @unchecked Sendable {
    static let schema = "teams"

    enum Status: String, Codable, Sendable, CaseIterable {
        case active
        case dissolved
    }

    // managed fields
    @ID(key: .id) var id: UUID?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    // data fields
    @Field(key: "unit_id") var unitID: UUID
    @Field(key: "unit_path") var unitPath: String
    @Field(key: "name") var name: String
    @Field(key: "decision_number") var decisionNumber: String
    @Field(key: "decision_date") var decisionDate: String
    @Field(key: "decision_signer") var decisionSigner: String
    @Field(key: "status") var status: Status
    /// Whether the current members meet the composition rules; kept with every membership change.
    @Field(key: "compliant") var compliant: Bool
    /// The codes of the current composition findings, comma-separated.
    @Field(key: "findings") var findings: String
    @Field(key: "member_count") var memberCount: Int
    @Field(key: "demo") var demo: Bool

    init() {}
}
