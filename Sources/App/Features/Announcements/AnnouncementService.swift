import Fluent
import Foundation
import LanToaCore
import SQLKit
import Vapor

/// Notices and good practices: posted by officials for their unit's subtree (or a unit under it), told to every account
/// there through the outbox in the same transaction, read on the web and on the phone's home, with read receipts.
struct AnnouncementService {
    let scope: Scope
    let clock: AppClock

    static let attachmentLimit = 5 << 20
    static let attachmentTypes = ["application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png",
                                  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
                                  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx"]

    struct Attachment {
        var name: String
        var contentType: String
        var data: Data
    }

    /// Posts for the unit with `code` (the account's own unit when absent).
    func post(kind: String?, title: String?, body: String?, unit code: String?, attachment: Attachment?) async throws -> Announcement {
        var problems: [FieldProblem] = []
        let kind = AnnouncementKind(rawValue: kind ?? AnnouncementKind.notice.rawValue)
        if kind == nil { problems.append(FieldProblem("kind", "error.choice", "notice, practice")) }
        let title = TeamImport.normaliseName(title ?? "")
        if title.isEmpty { problems.append(FieldProblem("title", "error.required")) } else if title.count > 200 {
            problems.append(FieldProblem("title", "error.too_long", "200"))
        }
        let text = (body ?? "").trimmingWhitespace()
        if text.isEmpty { problems.append(FieldProblem("body", "error.required")) } else if text.count > 5000 {
            problems.append(FieldProblem("body", "error.too_long", "5000"))
        }
        if let a = attachment {
            if a.data.count > Self.attachmentLimit { problems.append(FieldProblem("attachment", "error.attachment_too_large", "5")) }
            if Self.attachmentTypes[a.contentType] == nil { problems.append(FieldProblem("attachment", "error.attachment_type")) }
        }
        guard problems.isEmpty, let kind else { throw AppError.invalid(problems) }
        let place: (path: String, name: String)
        if let code = code?.trimmingWhitespace(), !code.isEmpty, code.uppercased() != "VN" {
            let unit = try await UnitService(scope: scope, clock: clock).find(code: code, asOf: clock.today())
            place = (unit.path, unit.name)
        } else if let id = Rollups.lastID(scope.actor.scopePath) {
            let unit = try await UnitService(scope: scope, clock: clock).find(id: id)
            place = (unit.path, unit.name)
        } else { place = ("/", "Toàn quốc") }
        try scope.authorize(.manageUnitsAndTeams, at: place.path)
        let a = Announcement()
        a.id = UUID()
        a.kind = kind
        a.title = title
        a.body = text
        a.unitPath = place.path
        a.unitName = place.name
        a.author = scope.actor.login
        a.attachmentName = attachment.map { Self.fileName($0.name, type: $0.contentType) } ?? ""
        try await scope.db.writeTransaction { db in
            var accounts = User.query(on: db).filter(\.$disabled == false)
            if place.path != "/" { accounts = accounts.under(place.path, \.$unitPath) }
            let recipients = try await accounts.all(\.$id).filter { $0 != scope.actor.userID }
            a.recipients = recipients.count
            try await a.create(on: db)
            if let attachment {
                let f = AnnouncementFile()
                f.id = a.id
                f.unitPath = place.path
                f.contentType = attachment.contentType
                f.content = attachment.data
                try await f.create(on: db)
            }
            let word = kind == .practice ? "Cách làm hay" : "Thông báo"
            var rows: [[any SQLExpression]] = []
            for r in recipients {
                rows.append([SQLBind(UUID()), SQLBind(clock.now()), SQLBind(r), SQLBind(place.path), SQLBind("announcement"),
                             SQLBind("announcement|\(a.id!.uuidString.lowercased())|\(r.uuidString.lowercased())"),
                             SQLBind("\(word) của \(place.name): \(title)"), SQLBind("pending")])
            }
            for chunk in rows.chunked(300) {
                var insert = (db as! any SQLDatabase).insert(into: OutboxMessage.schema)
                    .columns("id", "created_at", "recipient_id", "unit_path", "kind", "dedupe_key", "message", "status")
                for r in chunk { insert = insert.values(r) }
                try await insert.run()
            }
            try await AuditLog.record(on: db, actor: scope.actor, at: clock.now(), action: .create, entity: "announcement", entityID: a.id,
                                      unitPath: place.path, summary: title, before: Nothing?.none, after: ["kind": kind.rawValue, "title": title])
        }
        return a
    }

    /// A file name kept plain: letters, digits, dots, dashes; the extension of its type.
    static func fileName(_ name: String, type: String) -> String {
        let base = TextFolding.fold((name as NSString).deletingPathExtension).map { $0.isLetter || $0.isNumber ? $0 : "-" }
        return String(String(base).prefix(80)) + "." + (attachmentTypes[type] ?? "bin")
    }

    func list(limit: Int = 100) async throws -> [Announcement] {
        try await scope.query(Announcement.self).sort(\.$createdAt, .descending).limit(limit).all()
    }

    func find(_ id: UUID?) async throws -> Announcement {
        try await scope.find(Announcement.self, id, what: "announcement")
    }

    /// Which of these the account has read.
    func readIDs(_ list: [Announcement]) async throws -> Set<UUID> {
        guard let me = scope.actor.userID, !list.isEmpty else { return [] }
        var out = Set<UUID>()
        for row in try await (scope.db as! any SQLDatabase).raw("""
            SELECT announcement_id FROM announcement_reads WHERE user_id = \(bind: me) AND announcement_id IN (\(binds: list.map { $0.id! }))
            """).all() {
            out.insert(try row.decode(column: "announcement_id", as: UUID.self))
        }
        return out
    }

    /// Records that the account read it (once), and marks its message read. Only the accounts it was told to count:
    /// not its author, nor the tiers above the unit it was posted for.
    func markRead(_ a: Announcement) async throws {
        guard let me = scope.actor.userID, a.author != scope.actor.login, scope.actor.scopePath.hasPrefix(a.unitPath) else { return }
        let sql = scope.db as! any SQLDatabase
        try await sql.insert(into: "announcement_reads").columns("announcement_id", "user_id", "read_at")
            .values(SQLBind(a.id!), SQLBind(me), SQLBind(ISO8601DateFormatter().string(from: clock.now())))
            .ignoringConflicts(with: ["announcement_id", "user_id"]).run()
        try await WarningService(scope: scope, clock: clock).markRead(
            try await OutboxMessage.query(on: scope.db).filter(\.$recipientID == me)
                .filter(\.$dedupeKey == "announcement|\(a.id!.uuidString.lowercased())|\(me.uuidString.lowercased())").all(\.$id))
    }

    /// How many read it, and (for the accounts that manage the unit it was posted for) who.
    func readers(_ a: Announcement) async throws -> (count: Int, names: [String]) {
        let sql = scope.db as! any SQLDatabase
        let ids = try await sql.raw("SELECT user_id FROM announcement_reads WHERE announcement_id = \(bind: a.id!)").all()
            .map { try $0.decode(column: "user_id", as: UUID.self) }
        guard (try? scope.authorize(.manageUnitsAndTeams, at: a.unitPath)) != nil, !ids.isEmpty else { return (ids.count, []) }
        var names: [String] = []
        for chunk in ids.chunked(500) { names += try await User.query(on: scope.db).filter(\.$id ~~ Array(chunk)).all().map(\.displayName) }
        return (ids.count, names.sorted())
    }

    func attachment(_ id: UUID?) async throws -> (name: String, file: AnnouncementFile) {
        let a = try await find(id)
        guard !a.attachmentName.isEmpty, let f = try await AnnouncementFile.find(a.id, on: scope.db) else { throw AppError.notFound(what: "attachment") }
        return (a.attachmentName, f)
    }

    func response(_ a: Announcement, read: Bool, readers: (count: Int, names: [String])? = nil) -> AnnouncementResponse {
        AnnouncementResponse(id: a.id!, kind: a.kind, title: a.title, body: a.body, unit: a.unitName, author: a.author, postedAt: a.createdAt,
                             attachment: a.attachmentName.isEmpty ? nil : a.attachmentName, read: read, recipients: a.recipients,
                             readCount: readers?.count, readers: readers?.names)
    }
}

struct AnnouncementResponse: Content {
    var id: UUID
    var kind: AnnouncementKind
    var title: String
    var body: String
    /// The unit whose subtree it is posted for.
    var unit: String
    var author: String
    var postedAt: Date?
    var attachment: String?
    /// Whether the caller has read it.
    var read: Bool
    var recipients: Int
    /// On one announcement: how many read it, and who (for the accounts that manage the unit it was posted for).
    var readCount: Int?
    var readers: [String]?
}

struct PostAnnouncementRequest: Content {
    var kind: String?
    var title: String?
    var body: String?
    /// The unit whose subtree it is for; the caller's own unit when absent.
    var unit: String?
}
