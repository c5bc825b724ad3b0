import Fluent
import SQLKit

/// `lantoa migrate --revert` would drop the audit trail's protection and then the trail itself: refused while it
/// holds any entry. Removing a trail is a database owner's act, by hand, after a backup (docs/operations.md).
enum AuditTrailKept: Error, CustomStringConvertible {
    case holds(Int)

    static func refuseRevert(on database: any Database) async throws {
        let count = try await AuditEntry.query(on: database).count()
        if count > 0 { throw holds(count) }
    }

    var description: String {
        switch self {
        case let .holds(n):
            "The audit trail holds \(n) entries; reverting would destroy it, so the revert stops here. Back the database up and "
                + "remove the trail by hand as its owner if that is truly meant (docs/operations.md)."
        }
    }
}
