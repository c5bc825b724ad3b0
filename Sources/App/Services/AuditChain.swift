import Crypto
import Fluent
import Foundation
import SQLKit

/// The audit trail as a hash chain: each entry carries the hash of the one before it and a hash of its own content
/// with that link, so that changing, removing or reordering any entry after it was written breaks the chain from
/// there on. The head of the chain (the last sequence number and hash) is kept in `settings`, so that removing the
/// newest entries is seen too. The database's triggers refuse updates and deletes from the app; the chain is for
/// what a database owner could do around them, and `lantoa audit verify` finds it.
enum AuditChain {
    static let headKey = "audit_head"

    /// The hash of an entry's content and its link to the one before.
    static func hash(_ e: AuditEntry) -> String {
        let fields: [String] = [
            e.prevHash, String(e.seq), e.id?.uuidString.lowercased() ?? "", String(Int64((e.at.timeIntervalSince1970 * 1000).rounded())),
            e.actorID?.uuidString.lowercased() ?? "", e.actorLogin, e.action, e.entity, e.entityID, e.unitPath, e.summary, e.before, e.after,
        ]
        // Unit separators between fields, so that moving text from one field to the next changes the hash.
        let text = fields.joined(separator: "\u{1F}")
        return SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Appends `entry` at the head of the chain, inside the caller's transaction. Taking the head row first (a row
    /// lock on PostgreSQL, the write lock on SQLite) makes appends wait for each other, so the chain never forks.
    static func append(_ entry: AuditEntry, on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        try await sql.raw("UPDATE settings SET value = value WHERE key = \(bind: headKey)").run()
        let head = try await Setting.find(headKey, on: db).map { parse($0.value) } ?? (0, "")
        entry.seq = head.seq + 1
        entry.prevHash = head.hash
        entry.hash = hash(entry)
        try await entry.create(on: db)
        let value = "\(entry.seq):\(entry.hash)"
        if head.seq == 0, try await Setting.find(headKey, on: db) == nil {
            try await Setting(key: headKey, value: value).create(on: db)
        } else {
            try await sql.raw("UPDATE settings SET value = \(bind: value) WHERE key = \(bind: headKey)").run()
        }
    }

    static func parse(_ value: String) -> (seq: Int64, hash: String) {
        let parts = value.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, let seq = Int64(parts[0]) else { return (0, "") }
        return (seq, parts[1])
    }

    /// What `verify` found.
    enum Finding: Equatable, CustomStringConvertible {
        case intact(entries: Int64)
        /// The entry's content no longer matches its hash: it was changed after it was written.
        case changed(seq: Int64, id: String)
        /// The entry does not follow the one before it: entries before it were removed, added or reordered.
        case broken(seq: Int64, id: String)
        /// The chain ends before its recorded head: the newest entries were removed.
        case truncated(last: Int64, head: Int64)

        var description: String {
            switch self {
            case let .intact(n): "The audit trail is intact: \(n) entries, each linked to the one before."
            case let .changed(seq, id): "Audit entry #\(seq) (\(id)) was changed after it was written: its content no longer matches its hash."
            case let .broken(seq, id): "Audit entry #\(seq) (\(id)) does not follow the entry before it: entries were removed, added or reordered before it."
            case let .truncated(last, head): "The audit trail ends at entry #\(last) but its head says #\(head): the newest entries were removed."
            }
        }
    }

    /// Walks the chain in order and reports the first broken link.
    static func verify(on db: any Database) async throws -> Finding {
        var previous: (seq: Int64, hash: String) = (0, "")
        var offset = 0
        let page = 5_000
        while true {
            let entries = try await AuditEntry.query(on: db).sort(\.$seq).range(offset..<(offset + page)).all()
            for e in entries {
                let id = e.id?.uuidString.lowercased() ?? ""
                if e.seq != previous.seq + 1 || e.prevHash != previous.hash { return .broken(seq: e.seq, id: id) }
                if hash(e) != e.hash { return .changed(seq: e.seq, id: id) }
                previous = (e.seq, e.hash)
            }
            if entries.count < page { break }
            offset += page
        }
        let head = try await Setting.find(headKey, on: db).map { parse($0.value) } ?? (0, "")
        if head.seq != previous.seq || head.hash != previous.hash { return .truncated(last: previous.seq, head: head.seq) }
        return .intact(entries: previous.seq)
    }
}
