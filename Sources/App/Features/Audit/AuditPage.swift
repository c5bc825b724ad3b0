import LanToaCore
import Vapor

/// A row of the audit page.
struct AuditRow: Encodable {
    var at: String
    var actor: String
    var action: String
    var entity: String
    /// The member the entry is about, by their current name, where the viewer's area still holds them.
    var person: String
    var summary: String
    var before: String
    var after: String
}

struct AuditPage: Encodable {
    var layout: Layout
    var entries: [AuditRow]
    var total: Int
}
