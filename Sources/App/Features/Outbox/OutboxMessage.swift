import Fluent
import Foundation

/// A message for an account (hộp thư đi): a report reminder, an early warning's task. Written in the same transaction
/// as what it tells; shown in the account's notification list (`read_at` once opened there) and, for an account that
/// chose Zalo, carried there by the delivery worker (`OutboxWorker`, docs/zalo.md). Messages are written in
/// Vietnamese, the language of every account today.
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
    /// `pending` until the worker has routed it; then `inbox` (no outside channel), `sending` (an attempt under way,
    /// or in doubt after a crash), `sent`, `stopped` (the recipient cannot be reached) or `failed` (tries used up).
    @Field(key: "status") var status: String
    /// When the recipient opened it in their notification list (from migration `CreateEarlyWarnings` on).
    @OptionalField(key: "read_at") var readAt: Date?
    /// Not tried before this moment (retries, the night); none: at once.
    @OptionalField(key: "due_at") var dueAt: Date?
    @Field(key: "attempts") var attempts: Int
    @OptionalField(key: "lease_owner") var leaseOwner: String?
    @OptionalField(key: "lease_until") var leaseUntil: Date?
    /// When the last attempt began: marked before Zalo is called, so that a crash leaves it in doubt, not forgotten.
    @OptionalField(key: "attempted_at") var attemptedAt: Date?
    /// `cs` (a consultation message to the linked Zalo user) or `template` (a template message to the phone).
    @OptionalField(key: "route") var route: String?
    /// Zalo's message id.
    @OptionalField(key: "provider_id") var providerID: String?
    @OptionalField(key: "sent_at") var sentAt: Date?
    /// When Zalo said the phone received it (`user_received_message`).
    @OptionalField(key: "delivered_at") var deliveredAt: Date?
    /// Zalo's last error code, for the account's page and the operators.
    @OptionalField(key: "last_code") var lastCode: Int?
    /// What the message is about when a reply on Zalo can continue it (a difficulty).
    @OptionalField(key: "subject_id") var subjectID: UUID?

    init() {
        attempts = 0
    }
}

extension OutboxMessage: ScopedModel {
    static var unitPathField: KeyPath<OutboxMessage, FieldProperty<OutboxMessage, String>> { \.$unitPath }
}
