import LanToaCore
import Vapor

/// One audit entry as the API answers it.
struct AuditEntryResponse: Content {
    var id: UUID
    var at: Date
    var actor: String
    var action: String
    var entity: String
    var entityId: String
    /// The member the entry is about, by their current name, where the caller's area still holds them.
    var person: String?
    var summary: String
    var before: String
    var after: String
}
