import LanToaCore
import Vapor

/// A support activity as a phone sends it.
struct ActivityPayload: Content {
    var id: UUID?
    var resident: UUID?
    var household: UUID?
    var anonymousCount: Int?
    var hamlet: String?
    var service: String?
    var outcome: String?
    var reason: String?
    var channel: String?
    var on: String?
    var supersedes: UUID?
}

struct SyncRequest: Content {
    var households: [HouseholdPayload]?
    var residents: [ResidentPayload]?
    var activities: [ActivityPayload]?
}

struct SyncItemResult: Content, Equatable {
    /// `household`, `resident` or `activity`.
    var kind: String
    /// The client's id (null when it sent none).
    var id: UUID?
    /// `created`, `duplicate` (already received: nothing changed) or `rejected`.
    var status: String
    var errors: [SyncFieldError]?
}

struct SyncFieldError: Content, Equatable {
    var field: String
    /// A stable code (`error.required`, `error.outside_scope`, …).
    var code: String
    /// The values the message names.
    var args: [String]
    var message: String
}

struct SyncResponse: Content {
    var results: [SyncItemResult]
    var created: Int
    var duplicates: Int
    var rejected: Int
}

/// What a member's phone keeps: the hamlet's households and residents (masked), the catalogue, and a cursor.
struct WorkingSetResponse: Content {
    /// The hamlets the account records in (at most 500).
    var hamlets: [UnitRef]
    var households: [HouseholdResponse]
    var residents: [ResidentResponse]
    var services: [ServiceResponse]
    var cursor: String
    var complete: Bool
    /// The server's clock (seconds since 1970), so that phones date supports by the server's day, not their own clock's.
    var serverTime: Double
}
