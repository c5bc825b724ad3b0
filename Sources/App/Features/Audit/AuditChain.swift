import Crypto
import Fluent
import Foundation
import SQLKit
import Vapor

/// The audit trail as a hash chain: each entry, once sealed (within seconds of its commit, by a `PeriodicJob` every 5 s, and
/// before any verification), carries its place, the hash of the one before it and a hash of its own content with that
/// link, so that changing, removing or reordering any entry after it was written breaks the chain from
/// there on. The head of the chain (the last sequence number and hash) is kept in `settings`, so that removing the
/// newest entries is seen too. The database's triggers refuse updates and deletes from the app; the chain is for
/// what a database owner could do around them, and `lantoa audit verify` finds it.
enum AuditChain {
    static let headKey = "audit_head"

    /// The hash of an entry's content and its link to the one before.
    static func hash(_ e: AuditEntry) -> String {
        let fields: [String] = [
            e.prevHash, String(e.seq ?? 0), e.id?.uuidString.lowercased() ?? "", String(Int64((e.at.timeIntervalSince1970 * 1000).rounded())),
            e.actorID?.uuidString.lowercased() ?? "", e.actorLogin, e.action, e.entity, e.entityID, e.unitPath, e.summary, e.before, e.after,
        ]
        // Unit separators between fields, so that moving text from one field to the next changes the hash.
        let text = fields.joined(separator: "\u{1F}")
        return SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Seals every committed entry not yet in the chain, oldest first, and moves the head. Taking the head row first
    /// (a row lock on PostgreSQL, the write lock on SQLite) makes sealers wait for each other, so the chain never
    /// forks; writers never wait for it (they insert unsealed). Returns how many were sealed.
    @discardableResult
    static func seal(on db: any Database) async throws -> Int {
        var sealed = 0
        while true {
            let batch = try await db.writeTransaction { db -> Int in
                let sql = db as! any SQLDatabase
                if try await Setting.find(headKey, on: db) == nil { try await Setting(key: headKey, value: "0:").create(on: db) }
                try await sql.raw("UPDATE settings SET value = value WHERE key = \(bind: headKey)").run()
                var head = try await Setting.find(headKey, on: db).map { parse($0.value) } ?? (0, "")
                let pending = try await AuditEntry.query(on: db).filter(\.$hash == "").sort(\.$at).sort(\.$id).limit(1_000).all()
                for entry in pending {
                    entry.seq = head.seq + 1
                    entry.prevHash = head.hash
                    entry.hash = hash(entry)
                    try await entry.update(on: db)
                    head = (entry.seq!, entry.hash)
                }
                if !pending.isEmpty {
                    try await sql.raw("UPDATE settings SET value = \(bind: "\(head.seq):\(head.hash)") WHERE key = \(bind: headKey)").run()
                }
                return pending.count
            }
            sealed += batch
            if batch < 1_000 { return sealed }
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

    /// Seals what is pending, then walks the chain in order and reports the first broken link.
    static func verify(on db: any Database) async throws -> Finding {
        try await seal(on: db)
        var previous: (seq: Int64, hash: String) = (0, "")
        var offset = 0
        let page = 5_000
        while true {
            let entries = try await AuditEntry.query(on: db).filter(\.$seq != nil).sort(\.$seq).range(offset..<(offset + page)).all()
            for e in entries {
                let id = e.id?.uuidString.lowercased() ?? ""
                        let seq = e.seq ?? 0
                if seq != previous.seq + 1 || e.prevHash != previous.hash { return .broken(seq: seq, id: id) }
                if hash(e) != e.hash { return .changed(seq: seq, id: id) }
                previous = (seq, e.hash)
            }
            if entries.count < page { break }
            offset += page
        }
        let head = try await Setting.find(headKey, on: db).map { parse($0.value) } ?? (0, "")
        if head.seq != previous.seq || head.hash != previous.hash { return .truncated(last: previous.seq, head: head.seq) }
        return .intact(entries: previous.seq)
    }
}
