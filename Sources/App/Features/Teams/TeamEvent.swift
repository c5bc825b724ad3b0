import Fluent
import Foundation
import LanToaCore

/// An event in a team's life: founded, consolidated (kiện toàn) by a new decision, dissolved.
final class TeamEvent: Model, @unchecked Sendable {
    static let schema = "team_events"

    enum Kind: String, Codable, Sendable {
        case founded
        case consolidated
        case dissolved
    }

    @ID(key: .id) var id: UUID?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Field(key: "team_id") var teamID: UUID
    @Field(key: "unit_path") var unitPath: String
    @Field(key: "kind") var kind: Kind
    @Field(key: "date") var date: String
    @Field(key: "decision_number") var decisionNumber: String
    @Field(key: "decision_signer") var decisionSigner: String
    @Field(key: "note") var note: String

    init() {}
}
