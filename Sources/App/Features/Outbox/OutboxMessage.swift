import Fluent
import Foundation

/// A message for an account (hộp thư đi): a report reminder, an early warning's task. Written in the same transaction
/// as what it tells; shown in the account's notification list (`read_at` once opened there) and, with the channels
/// that come later (Zalo), carried outside Lan Tỏa (`status` stays `pending` until a channel sends it). Messages are
/// written in Vietnamese, the language of every account today.
final class OutboxMessage: Model, @unchecked Sendable {
    static let schema = "outbox"

    @ID(key: .id) var id: UUID?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Field(key: "recipient_id") var recipientID: UUID
    @Field(key: "unit_path") var unitPath: String
    @Field(key: "kind") var kind: String
    /// What makes the message unique: the same reminder is never written twice.
    @Field(key: "dedupe_key") var dedupeKey: String
    @Field(key: "message") var message: String
    /// `pending` until a channel sends it.
    @Field(key: "status") var status: String
    /// When the recipient opened it in their notification list (from migration `CreateEarlyWarnings` on).
    @OptionalField(key: "read_at") var readAt: Date?

    init() {}
}

extension OutboxMessage: ScopedModel {
    static var unitPathField: KeyPath<OutboxMessage, FieldProperty<OutboxMessage, String>> { \.$unitPath }
}
