import Fluent
import Foundation
import LanToaCore

/// Writes the append-only audit trail (ARCHITECTURE.md decision 6), in the same transaction as the change.
enum AuditLog {
    enum Action: String {
        case create
        case update
        case end
        case importFile = "import"
        case login
        /// An account locked after repeated failed sign-ins.
        case lock
        case unlock
        /// Personal data read in bulk: a resident list, a sweep list, a phone's full working set.
        case read
        /// A resident looked up by CCCD number (the number is never recorded).
        case lookup
        case export
        case erase
        /// A phone's tokens renewed with a refresh token.
        case token
        /// Every CCCD number re-sealed with a new data key.
        case rekey
    }

    static func record<Before: Encodable, After: Encodable>(
        on db: any Database, actor: Actor, at date: Date, action: Action, entity: String, entityID: UUID?,
        unitPath: String, summary: String, before: Before?, after: After?
    ) async throws {
        try await entry(actor: actor, at: date, action: action, entity: entity, entityID: entityID, unitPath: unitPath, summary: summary,
                        before: before, after: after).create(on: db)
    }

    /// An entry to be written with others in one insert (an import's rows).
    static func entry<Before: Encodable, After: Encodable>(
        actor: Actor, at date: Date, action: Action, entity: String, entityID: UUID?,
        unitPath: String, summary: String, before: Before?, after: After?
    ) throws -> AuditEntry {
        let entry = AuditEntry()
        entry.id = UUID()
        // Whole milliseconds, which both engines store and read back exactly: the hash covers the time.
        entry.at = Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded(.down) / 1000)
        entry.actorID = actor.userID
        entry.actorLogin = actor.login
        entry.action = action.rawValue
        entry.entity = entity
        entry.entityID = entityID?.uuidString.lowercased() ?? ""
        entry.unitPath = unitPath
        entry.summary = summary
        entry.before = try json(before)
        entry.after = try json(after)
        // Written unsealed, in the caller's transaction and without waiting for anyone: `AuditChain.seal` gives it
        // its place in the chain once it is committed.
        entry.seq = nil
        entry.prevHash = ""
        entry.hash = ""
        return entry
    }

    private static func json<T: Encodable>(_ value: T?) throws -> String {
        guard let value else { return "" }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

/// Stands for "nothing" on one side of an audit record.
struct Nothing: Encodable {}
