import Fluent
import Foundation

/// An account's Zalo channel: whether the account chose to be told on Zalo, the code it sends to its province's OA to
/// link itself, the Zalo user id that code linked (a user id is the OA's own: it differs between OAs), and why
/// delivery stopped when Zalo said the recipient cannot be reached.
final class ZaloLink: Model, @unchecked Sendable {
    static let schema = "zalo_links"

    @ID(custom: "user_id", generatedBy: .user) var id: UUID?
    /// The two-digit code of the province whose OA carries the account's messages.
    @Field(key: "province") var province: String
    @Field(key: "enabled") var enabled: Bool
    /// Shown on the account's page; sent as a text to the OA, it links the sender's Zalo user id. Single use.
    @OptionalField(key: "link_code") var linkCode: String?
    @OptionalField(key: "link_code_expires_at") var linkCodeExpiresAt: Date?
    @OptionalField(key: "zalo_user_id") var zaloUserID: String?
    /// Whether the linked user follows the OA (`follow` / `unfollow` events).
    @Field(key: "followed") var followed: Bool
    @OptionalField(key: "linked_at") var linkedAt: Date?
    /// The user's last message to the OA: consultation messages are allowed for 7 days after it.
    @OptionalField(key: "last_interaction_at") var lastInteractionAt: Date?
    /// Zalo's code when it said this recipient cannot be reached (invalid phone, refused, not a follower).
    @OptionalField(key: "stop_code") var stopCode: Int?
    @OptionalField(key: "stopped_at") var stoppedAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}
}

/// A webhook event already handled, by Zalo's message id (or the event's own key when it has none): Zalo retries an
/// event it thinks was not received, and a retry is answered without being handled again.
final class ZaloEvent: Model, @unchecked Sendable {
    static let schema = "zalo_events"

    @ID(custom: "id", generatedBy: .user) var id: String?
    @Field(key: "province") var province: String
    @Field(key: "event_name") var eventName: String
    @Field(key: "received_at") var receivedAt: Date

    init() {}
}

extension ZaloLink {
    /// What a stop code means, as the account's page says it.
    static func reason(_ code: Int) -> String {
        switch code {
        case -108: "Số điện thoại không hợp lệ với Zalo"
        case -114, -118, -119: "Tài khoản Zalo không nhận được tin nhắn"
        case -139, -141: "Người dùng đã từ chối nhận tin từ Zalo OA"
        case -213: "Chưa quan tâm Zalo OA của tỉnh"
        default: "Zalo từ chối gửi (mã \(code))"
        }
    }
}
