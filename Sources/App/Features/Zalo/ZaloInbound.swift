import Fluent
import Foundation
import LanToaCore
import Logging
import SQLKit

/// What an event from a province's OA does in Lan Tỏa (docs/zalo.md, "What Zalo tells Lan Tỏa"):
/// - `follow` / `unfollow`: the linked account's follow state;
/// - `user_received_message`: when a template message reached the phone (by its tracking id, our outbox id);
/// - `user_send_text`:
///   1. the link code shown on an account's page (`LT-123456`) links the sender's Zalo user id to that account;
///   2. from a linked account, a team's monthly report in short form (`BC T11: SP 3, buổi 2`) becomes a draft of the
///      team's report, and the OA answers what it understood with a link to confirm and submit;
///   3. `VM <service>: <text>` raises a new difficulty;
///   4. a reply to a difficulty Lan Tỏa told the account about on Zalo in the last 7 days becomes an answer (from an
///      official who answers it), or the asker's reopening of an answered one (or solving it, for "xong" or "cảm ơn");
///   5. anything else is answered with these forms.
struct ZaloInbound {
    let province: String
    let settings: ZaloSettings
    let clock: AppClock
    let logger: Logger

    struct Duplicate: Error {}

    /// Records and handles an event once: `handled`, `duplicate` or `ignored`.
    func receive(_ event: ZaloWebhookEvent, on database: any Database) async throws -> String {
        do { return try await record(event, on: database) } catch is Duplicate { return "duplicate" }
    }

    private func record(_ event: ZaloWebhookEvent, on database: any Database) async throws -> String {
        try await database.writeTransaction { db in
            guard try await ZaloEvent.find(event.key, on: db) == nil else { return "duplicate" }
            let record = ZaloEvent()
            record.id = event.key
            record.province = province
            record.eventName = event.eventName
            record.receivedAt = clock.now()
            do { try await record.create(on: db) } catch let error as any DatabaseError where error.isConstraintFailure {
                // The same event delivered twice at once: the other delivery has it.
                throw Duplicate()
            }
            switch event.eventName {
            case "follow", "unfollow":
                guard let user = event.userID, let link = try await linked(user, on: db) else { return "ignored" }
                link.followed = event.eventName == "follow"
                link.lastInteractionAt = clock.now()
                try await link.save(on: db)
                return "handled"
            case "user_received_message":
                return try await received(event, on: db) ? "handled" : "ignored"
            case "user_send_text":
                return try await text(event, on: db)
            default:
                return "ignored"
            }
        }
    }

    private func linked(_ zaloUser: String, on db: any Database) async throws -> ZaloLink? {
        try await ZaloLink.query(on: db).filter(\.$province == province).filter(\.$zaloUserID == zaloUser).first()
    }

    private func received(_ event: ZaloWebhookEvent, on db: any Database) async throws -> Bool {
        let at = event.deliveryTime ?? clock.now()
        let sql = db as! any SQLDatabase
        if let tracking = event.trackingID, let id = UUID(uuidString: tracking) {
            let rows = try await sql.raw("""
                UPDATE outbox SET delivered_at = \(bind: at), provider_id = COALESCE(provider_id, \(bind: event.messageID))
                WHERE id = \(bind: id) RETURNING id
                """).all()
            return !rows.isEmpty
        }
        guard let messageID = event.messageID else { return false }
        return !(try await sql.raw("UPDATE outbox SET delivered_at = \(bind: at) WHERE provider_id = \(bind: messageID) RETURNING id").all()).isEmpty
    }

    // MARK: texts

    private func text(_ event: ZaloWebhookEvent, on db: any Database) async throws -> String {
        guard let sender = event.senderID, let raw = event.text?.trimmingWhitespace(), !raw.isEmpty else { return "ignored" }
        if let code = ZaloLinks.code(in: raw) {
            guard let link = try await ZaloLink.query(on: db).filter(\.$province == province).filter(\.$linkCode == code).first(),
                  link.enabled, (link.linkCodeExpiresAt ?? .distantPast) > clock.now(),
                  let user = try await User.find(link.id, on: db), !user.disabled else { return "ignored" }
            // A Zalo user id links one account of the province: another account it linked before lets go of it.
            for other in try await ZaloLink.query(on: db).filter(\.$province == province).filter(\.$zaloUserID == sender).all() where other.id != link.id {
                other.zaloUserID = nil
                other.followed = false
                try await other.save(on: db)
            }
            link.zaloUserID = sender
            link.followed = true
            link.linkedAt = clock.now()
            link.lastInteractionAt = clock.now()
            link.linkCode = nil
            link.linkCodeExpiresAt = nil
            link.stopCode = nil
            link.stoppedAt = nil
            try await link.save(on: db)
            try await reply(to: user, "Đã liên kết Zalo với tài khoản Lan Tỏa \(user.login). Thông báo của Lan Tỏa sẽ được gửi tới bạn qua Zalo OA này.",
                            event: event, on: db)
            return "handled"
        }
        // Only an account that has Zalo on acts from Zalo: turning it off (a lost phone) stops the linked user too.
        guard let link = try await linked(sender, on: db), link.enabled, let user = try await User.find(link.id, on: db), !user.disabled else {
            return "ignored"
        }
        link.lastInteractionAt = clock.now()
        try await link.save(on: db)
        let scope = Scope(actor: Actor(user), db: db)
        var answer: String
        // What the text does is undone as a whole when it is refused (the event and the answer stay).
        let sql = db as! any SQLDatabase
        try await sql.raw("SAVEPOINT zalo_text").run()
        do {
            if let form = ZaloReportForm(raw, today: clock.today()) {
                answer = try await draftReport(form, scope: scope)
            } else if let asked = ZaloDifficultyForm(raw) {
                answer = try await raise(asked, scope: scope)
            } else {
                let threads = try await threads(of: user, on: db)
                if threads.count == 1 {
                    answer = try await replyToDifficulty(threads[0], raw, scope: scope)
                } else if threads.count > 1 {
                    answer = "Bạn đang có \(threads.count) vướng mắc chờ xử lý: hãy trả lời từng vướng mắc trong Lan Tỏa tại "
                        + "\(settings.siteURL)\(SiteURL.difficulties.path). " + Self.help
                } else {
                    answer = Self.help
                }
            }
            try await sql.raw("RELEASE SAVEPOINT zalo_text").run()
        } catch let error as AppError {
            try await sql.raw("ROLLBACK TO SAVEPOINT zalo_text").run()
            answer = "Lan Tỏa chưa ghi được tin nhắn này: \(Self.describe(error)). " + Self.help
        }
        try await reply(to: user, answer, event: event, on: db)
        return "handled"
    }

    static let help = "Bạn có thể nhắn: \"BC T11: SP 3, ĐT 1, buổi 2\" để ghi nháp báo cáo tháng của tổ; "
        + "\"VM VNeID: nội dung\" để nêu vướng mắc; hoặc trả lời ngay tin báo vướng mắc để trả lời, mở lại hay báo đã xong."

    static func describe(_ error: AppError) -> String {
        switch error {
        case .forbidden: "tài khoản không có quyền việc này"
        case .notFound: "không tìm thấy"
        case let .invalid(problems): problems.map { "\($0.field) không hợp lệ" }.joined(separator: ", ")
        case let .conflict(problem): problem.key == "error.report_submitted" || problem.key == "error.report_locked"
            ? "báo cáo đã nộp, không sửa qua Zalo được" : "\(problem.field) không cho phép lúc này"
        default: "lỗi"
        }
    }

    /// The answer Lan Tỏa gives on Zalo, through the outbox (the worker sends it; the user wrote just now, so a
    /// consultation message is allowed).
    private func reply(to user: User, _ text: String, event: ZaloWebhookEvent, on db: any Database) async throws {
        let m = OutboxMessage()
        m.recipientID = user.id!
        m.unitPath = user.unitPath
        m.kind = "zalo_reply"
        m.dedupeKey = "zalo_reply|\(province)|\(event.key)"
        m.message = text
        m.status = "pending"
        try await m.create(on: db)
    }

    // MARK: reports

    private func draftReport(_ form: ZaloReportForm, scope: Scope) async throws -> String {
        // The team of the account's hamlet (a leader's account is scoped to it), else the team of its member.
        var teamID = try await Team.query(on: scope.db).filter(\.$unitPath == scope.actor.scopePath).filter(\.$status == .active).first()?.id
        if teamID == nil, let memberID = try await User.find(scope.actor.userID, on: scope.db)?.memberID {
            teamID = try await Membership.query(on: scope.db).filter(\.$memberID == memberID).filter(\.$validTo == LocalDate.distantFuture.iso).first()?.teamID
        }
        guard let teamID else { return "Tài khoản của bạn không thuộc tổ nào: báo cáo tháng của tổ do tổ trưởng gửi." }
        let service = ReportService(scope: scope, clock: clock)
        let team = teamID.uuidString.lowercased()
        let at = try await service.locate(template: ReportTemplateDefinition.teamMonthly, period: form.period, reporter: team)
        var entries = ReportService.entries(at.record)
        for (field, value) in form.numbers { entries.numbers[field] = value }
        _ = try await service.enter(at, ReportEntriesRequest(numbers: entries.numbers, texts: entries.texts), submit: false)
        let fields = at.template.definition.fields
        func name(_ code: String) -> String { fields.first { $0.code == code }?.name.lowercased() ?? code }
        var said = ["Đã ghi nháp báo cáo tháng \(form.month)/\(form.year) của tổ: "
            + form.numbers.map { "\(name($0.key)) \($0.value)" }.joined(separator: ", ") + "."]
        if !form.figures.isEmpty {
            let live = try await service.figures(at)
            said.append(form.figures.map { "\($0.label) (\(name($0.field))) Lan Tỏa tự tính từ sổ hỗ trợ: hiện là \(Int(live[$0.field] ?? 0)), không ghi số nhắn" }
                .joined(separator: "; ") + ".")
        }
        if !form.unknown.isEmpty { said.append("Chưa hiểu: \(form.unknown.joined(separator: ", ")).") }
        said.append("Kiểm tra và nộp tại: \(settings.siteURL)\(SiteURL.report(template: ReportTemplateDefinition.teamMonthly, period: form.period, reporter: team).path)")
        return said.joined(separator: " ")
    }

    // MARK: difficulties

    /// The difficulty a reply is about: the one Lan Tỏa told the account about on Zalo in the last 7 days that still
    /// waits for it (not solved), when there is exactly one; with several, a reply could land on the wrong one, so
    /// none is chosen and the answer points to the app.
    private func threads(of user: User, on db: any Database) async throws -> [Difficulty] {
        let told = try await OutboxMessage.query(on: db).filter(\.$recipientID == user.id!).filter(\.$subjectID != nil)
            .filter(\.$status == "sent").filter(\.$sentAt >= clock.now().addingTimeInterval(-7 * 86_400)).all()
            .filter { $0.kind.hasPrefix("difficulty_") }
        let ids = Array(Set(told.compactMap(\.subjectID)))
        guard !ids.isEmpty else { return [] }
        return try await Difficulty.query(on: db).filter(\.$id ~~ ids).filter(\.$status != .solved).all()
    }

    private func replyToDifficulty(_ d: Difficulty, _ text: String, scope: Scope) async throws -> String {
        let service = DifficultyService(scope: scope, clock: clock)
        if d.raisedBy == scope.actor.userID {
            if Self.saysSolved(text) {
                _ = try await service.solve(d.id)
                return "Đã đánh dấu vướng mắc \"\(DifficultyService.excerpt(d.description))\" là đã giải quyết. Cảm ơn bạn."
            }
            guard d.status != .open else { return "Vướng mắc của bạn đang chờ trả lời; Lan Tỏa sẽ báo khi có trả lời." }
            _ = try await service.reopen(d.id, DifficultyTextRequest(text: text))
            return "Đã mở lại vướng mắc \"\(DifficultyService.excerpt(d.description))\" với ý kiến của bạn."
        }
        guard service.answers(d) else { throw AppError.forbidden }
        _ = try await service.answer(d.id, DifficultyTextRequest(text: text))
        return "Đã ghi câu trả lời cho vướng mắc của \(d.raisedByName)."
    }

    /// Whether a text only says it is solved and thanks: "Đã xong, cảm ơn xã ạ" does, "cảm ơn nhưng vẫn lỗi" does not.
    static func saysSolved(_ text: String) -> Bool {
        let plain: String = String(TextFolding.fold(text).map { (c: Character) -> Character in c.isLetter || c.isNumber ? c : " " })
        let words: [String] = plain.split(separator: " ").map(String.init)
        let courtesy: Set<String> = ["da", "xong", "roi", "giai", "quyet", "duoc", "cam", "on", "ok", "oke", "xa", "tinh", "anh", "chi", "em",
                                     "a", "nhe", "nha", "nhieu", "rat", "thanks", "tot"]
        let folded: String = " " + words.joined(separator: " ") + " "
        let solvedPhrases = [" xong ", " giai quyet ", " cam on ", " ok ", " oke ", " duoc roi "]
        guard !words.isEmpty, words.allSatisfy({ courtesy.contains($0) }) else { return false }
        return solvedPhrases.contains { folded.contains($0) }
    }

    private func raise(_ form: ZaloDifficultyForm, scope: Scope) async throws -> String {
        let services = try await scope.query(ServiceRecord.self).filter(\.$active == true).all()
        guard let service = form.service(among: services.map { ($0.code, $0.name) }) else {
            return "Chưa rõ dịch vụ \"\(form.serviceWords)\". Ví dụ: \"VM VNeID: không nhận được mã OTP\"."
        }
        let (d, _) = try await DifficultyService(scope: scope, clock: clock)
            .raise(RaiseDifficultyRequest(id: nil, service: service, description: form.description, photo: nil))
        return "Đã gửi vướng mắc \"\(DifficultyService.excerpt(d.description))\" tới xã. Lan Tỏa sẽ báo khi có trả lời."
    }
}

/// A team's monthly report in short form: `BC T11: SP 3, ĐT 1, buổi 2` (month 11 of this year, or of last year when
/// November has not come yet; `T11/2026` says the year). Typed fields are set; the support figures (VNeID, DVC…) are
/// Lan Tỏa's own count and are only named back.
struct ZaloReportForm: Equatable {
    var year: Int
    var month: Int
    var numbers: [String: Int64] = [:]
    var figures: [(label: String, field: String)] = []
    var unknown: [String] = []

    var period: String { String(format: "%04d-%02d", year, month) }

    /// Folded names of the typed fields and of the figures.
    static let typed: [(String, String)] = [
        ("sp", "products_online"), ("san pham", "products_online"), ("dt", "phones_donated"), ("dien thoai", "phones_donated"),
        ("buoi", "sessions_held"), ("buoi huong dan", "sessions_held"),
    ]
    static let figureNames: [(String, String)] = [
        ("vneid", "supports_vneid"), ("dvc", "supports_public_service"), ("ngan hang", "supports_bank"), ("nh", "supports_bank"),
        ("ho", "households_visited"), ("nguoi dan", "residents"),
    ]

    init?(_ text: String, today: LocalDate) {
        let folded = TextFolding.fold(text)
        guard let colon = folded.firstIndex(of: ":") else { return nil }
        let head = folded[..<colon].replacingOccurrences(of: " ", with: "")
        guard head.hasPrefix("bct"), let parts = Optional(head.dropFirst(3).split(separator: "/")), (1...2).contains(parts.count),
              let month = Int(parts[0]), (1...12).contains(month) else { return nil }
        var year = today.year
        if parts.count == 2 {
            guard let y = Int(parts[1]), (2000...2100).contains(y) else { return nil }
            year = y
        } else if month > today.month {
            year -= 1
        }
        self.year = year
        self.month = month
        let original = text[text.index(after: text.firstIndex(of: ":") ?? text.startIndex)...]
        for piece in original.split(whereSeparator: { $0 == "," || $0 == ";" }) {
            let item = String(piece)
            let words = TextFolding.fold(item).split(separator: " ")
            guard let last = words.last, let value = Int64(last), value >= 0, value <= 1_000_000 else {
                if !item.trimmingWhitespace().isEmpty { unknown.append(item.trimmingWhitespace()) }
                continue
            }
            let label = words.dropLast().joined(separator: " ")
            if let field = Self.typed.first(where: { $0.0 == label })?.1 {
                numbers[field] = value
            } else if let field = Self.figureNames.first(where: { $0.0 == label })?.1 {
                figures.append((String(item.trimmingWhitespace().split(separator: " ").dropLast().joined(separator: " ")), field))
            } else {
                unknown.append(item.trimmingWhitespace())
            }
        }
        guard !numbers.isEmpty || !figures.isEmpty else { return nil }
    }

    static func == (a: ZaloReportForm, b: ZaloReportForm) -> Bool {
        a.period == b.period && a.numbers == b.numbers && a.figures.map(\.field) == b.figures.map(\.field) && a.unknown == b.unknown
    }
}

/// A new difficulty in short form: `VM <service>: <what is wrong>`.
struct ZaloDifficultyForm {
    var serviceWords: String
    var description: String

    init?(_ text: String) {
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let head = TextFolding.fold(String(text[..<colon]))
        guard head.hasPrefix("vm ") else { return nil }
        serviceWords = String(head.dropFirst(3)).trimmingWhitespace()
        description = String(text[text.index(after: colon)...]).trimmingWhitespace()
        guard !serviceWords.isEmpty, !description.isEmpty else { return nil }
    }

    /// Short names people use, then the service whose folded code or name holds the words.
    static let aliases = ["vneid": "vneid_level2", "dvc": "public_service_account", "dich vu cong": "public_service_account",
                          "ngan hang": "bank_account", "vssid": "vssid", "so suc khoe": "ehealth_book"]

    func service(among services: [(code: String, name: String)]) -> String? {
        if let code = Self.aliases[serviceWords], services.contains(where: { $0.code == code }) { return code }
        return services.first { TextFolding.fold($0.code.replacingOccurrences(of: "_", with: " ")).contains(serviceWords)
            || TextFolding.fold($0.name).contains(serviceWords) }?.code
    }
}
