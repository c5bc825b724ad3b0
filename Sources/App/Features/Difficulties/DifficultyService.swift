import Fluent
import Foundation
import LanToaCore
import SQLKit

/// Difficulties (vướng mắc): raised by members and leaders, answered by their commune or forwarded to the province's
/// specialists, solved or reopened by the asker, and promoted to the FAQ of their service. Every step tells whoever
/// must act next through the outbox, in the same transaction.
struct DifficultyService {
    let scope: Scope
    let clock: AppClock

    static let photoLimit = 1 << 20

    // MARK: raising

    /// Raises a difficulty at the account's own unit; the same id sent again by the same account is the same one.
    func raise(_ request: RaiseDifficultyRequest) async throws -> (Difficulty, created: Bool) {
        try scope.authorize(.recordSupport)
        guard [Role.leader, .member, .commune].contains(scope.actor.role), let me = scope.actor.userID else { throw AppError.forbidden }
        if let id = request.id, let existing = try await Difficulty.find(id, on: scope.db) {
            guard existing.raisedBy == me else { throw AppError.conflict(FieldProblem("id", "error.taken")) }
            return (existing, false)
        }
        var problems: [FieldProblem] = []
        let service = (request.service ?? "").trimmingWhitespace()
        if service.isEmpty { problems.append(FieldProblem("service", "error.required")) }
        let description = (request.description ?? "").trimmingWhitespace()
        if description.isEmpty { problems.append(FieldProblem("description", "error.required")) }
        if description.count > 2000 { problems.append(FieldProblem("description", "error.too_long", "2000")) }
        var photo: Data?
        if let encoded = request.photo, !encoded.isEmpty {
            if let raw = Data(base64Encoded: encoded, options: .ignoreUnknownCharacters) {
                if raw.count > Self.photoLimit { problems.append(FieldProblem("photo", "error.photo_too_large", "1")) }
                else {
                    do { photo = try JPEGMetadata.stripped(raw) } catch { problems.append(FieldProblem("photo", "error.photo_jpeg")) }
                }
            } else { problems.append(FieldProblem("photo", "error.photo_jpeg")) }
        }
        guard problems.isEmpty else { throw AppError.invalid(problems) }
        let path = scope.actor.scopePath
        let known = try await scope.query(ServiceRecord.self).filter(\.$active == true).filter(\.$code == service).count()
        guard known > 0 else { throw AppError.invalid("service", "error.unknown_service", service) }
        let user = try await User.find(me, on: scope.db)
        // The asker's own team, through their account's member (officials have none).
        let membership = try await user?.memberID.asyncMap {
            try await Membership.query(on: scope.db).filter(\.$memberID == $0).filter(\.$validTo == LocalDate.distantFuture.iso).first()
        }
        let team = try await membership.asyncMap { try await Team.find($0.teamID, on: scope.db) }
        let d = Difficulty()
        d.id = request.id ?? UUID()
        d.raisedBy = me
        d.raisedByName = user?.displayName ?? scope.actor.login
        d.teamID = team?.id
        d.unitPath = path
        d.communePath = EarlyWarnings.communePath(path)
        d.serviceCode = service
        d.description = description
        d.hasPhoto = photo != nil
        d.status = .open
        d.level = .commune
        d.raisedOn = clock.today().iso
        let picture = photo
        try await scope.db.writeTransaction { db in
            try await d.create(on: db)
            if let picture {
                let p = DifficultyPhoto()
                p.id = d.id
                p.unitPath = path
                p.content = picture
                try await p.create(on: db)
            }
            try await event(d, "raised", description, on: db)
            try await tell(role: .commune, at: d.communePath, d, kind: "difficulty_raised",
                           "Vướng mắc mới của \(d.raisedByName)\(team.map { " (\($0.name))" } ?? ""): \(Self.excerpt(description))", on: db)
        }
        return (d, true)
    }

    static func excerpt(_ text: String) -> String {
        text.count > 160 ? String(text.prefix(157)) + "…" : text
    }

    // MARK: reading

    func find(_ id: UUID?) async throws -> Difficulty {
        try await scope.find(Difficulty.self, id, what: "difficulty")
    }

    /// The difficulties of the account's area (of a unit under it), newest first; `status` narrows them.
    func list(unitPath: String? = nil, status: DifficultyStatus? = nil, limit: Int = 200) async throws -> [Difficulty] {
        var q = scope.query(Difficulty.self)
        if let unitPath { q = q.under(unitPath, \.$unitPath) }
        if let status { q = q.filter(\.$status == status) }
        return try await q.sort(\.$createdAt, .descending).limit(limit).all()
    }

    /// The difficulties the account raised, newest first (the phone app's list).
    func mine() async throws -> [Difficulty] {
        guard let me = scope.actor.userID else { return [] }
        return try await Difficulty.query(on: scope.db).filter(\.$raisedBy == me).sort(\.$createdAt, .descending).limit(100).all()
    }

    func photo(_ id: UUID?) async throws -> Data {
        let d = try await find(id)
        guard d.hasPhoto, let p = try await DifficultyPhoto.find(d.id, on: scope.db) else { throw AppError.notFound(what: "photo") }
        return p.content
    }

    func responses(_ list: [Difficulty]) async throws -> [DifficultyResponse] {
        guard !list.isEmpty else { return [] }
        let events = Dictionary(grouping: try await DifficultyEvent.query(on: scope.db).filter(\.$difficultyID ~~ list.map { $0.id! })
            .sort(\.$createdAt).all(), by: \.difficultyID)
        let units = Dictionary(try await Unit.query(on: scope.db).filter(\.$id ~~ Set(list.compactMap { Rollups.lastID($0.unitPath) })).all()
            .map { ($0.id!, $0.name) }, uniquingKeysWith: { a, _ in a })
        return list.map { d in
            let history = events[d.id!] ?? []
            return DifficultyResponse(
                id: d.id!, service: d.serviceCode, description: d.description, askedBy: d.raisedByName,
                unit: Rollups.lastID(d.unitPath).flatMap { units[$0] } ?? "", status: d.status, level: d.level, raisedOn: d.raisedOn,
                hasPhoto: d.hasPhoto, firstAnsweredAt: d.firstAnsweredAt, solvedAt: d.solvedAt,
                answer: history.last { $0.kind == "answered" }?.text,
                events: history.map { DifficultyEventResponse(kind: $0.kind, actor: $0.actor, role: $0.actorRole, text: $0.text, at: $0.createdAt) })
        }
    }

    // MARK: answering

    /// Whether the account answers for the difficulty at its current level: its commune, or its province (which may
    /// also answer what the commune still holds), or the ministry.
    func answers(_ d: Difficulty) -> Bool {
        switch scope.actor.role {
        case .admin: true
        case .province: scope.contains(path: d.unitPath)
        case .commune: d.level == .commune && scope.actor.scopePath == d.communePath
        default: false
        }
    }

    func answer(_ id: UUID?, _ request: DifficultyTextRequest) async throws -> Difficulty {
        let d = try await find(id)
        guard answers(d) else { throw AppError.forbidden }
        guard d.status != .solved else { throw AppError.conflict(FieldProblem("status", "error.difficulty_solved")) }
        let text = try Self.text(request, required: true)
        try await scope.db.writeTransaction { db in
            d.status = .answered
            if d.firstAnsweredAt == nil { d.firstAnsweredAt = clock.now() }
            try await d.save(on: db)
            try await event(d, "answered", text, on: db)
            try await tell(user: d.raisedBy, d, kind: "difficulty_answered", "Vướng mắc của bạn đã được trả lời: \(Self.excerpt(text))", on: db)
        }
        return d
    }

    func forward(_ id: UUID?, _ request: DifficultyTextRequest) async throws -> Difficulty {
        let d = try await find(id)
        guard scope.actor.role == .commune, answers(d) else { throw AppError.forbidden }
        guard d.status == .open else { throw AppError.conflict(FieldProblem("status", "error.difficulty_not_open")) }
        let note = try Self.text(request, required: false)
        let province = EarlyWarnings.provincePath(d.unitPath)
        try await scope.db.writeTransaction { db in
            d.level = .province
            try await d.save(on: db)
            try await event(d, "forwarded", note, on: db)
            try await tell(role: .province, at: province, d, kind: "difficulty_forwarded",
                           "Xã chuyển vướng mắc lên tỉnh: \(Self.excerpt(d.description))", on: db)
        }
        return d
    }

    /// The asker (or whoever answers for it) marks it solved.
    func solve(_ id: UUID?) async throws -> Difficulty {
        let d = try await find(id)
        guard d.raisedBy == scope.actor.userID || answers(d) else { throw AppError.forbidden }
        guard d.status != .solved else { throw AppError.conflict(FieldProblem("status", "error.difficulty_solved")) }
        try await scope.db.writeTransaction { db in
            d.status = .solved
            d.solvedAt = clock.now()
            try await d.save(on: db)
            try await event(d, "solved", "", on: db)
        }
        return d
    }

    /// The asker reopens an answered or solved difficulty, saying why; it goes back to its level.
    func reopen(_ id: UUID?, _ request: DifficultyTextRequest) async throws -> Difficulty {
        let d = try await find(id)
        guard d.raisedBy == scope.actor.userID else { throw AppError.forbidden }
        guard d.status != .open else { throw AppError.conflict(FieldProblem("status", "error.difficulty_open")) }
        let text = try Self.text(request, required: true)
        try await scope.db.writeTransaction { db in
            d.status = .open
            d.solvedAt = nil
            try await d.save(on: db)
            try await event(d, "reopened", text, on: db)
            if d.level == .commune {
                try await tell(role: .commune, at: d.communePath, d, kind: "difficulty_reopened", "Vướng mắc được mở lại: \(Self.excerpt(text))", on: db)
            } else {
                try await tell(role: .province, at: EarlyWarnings.provincePath(d.unitPath), d, kind: "difficulty_reopened",
                               "Vướng mắc được mở lại: \(Self.excerpt(text))", on: db)
            }
        }
        return d
    }

    /// Provincial or national staff promote an answered difficulty to the FAQ of its service (the province's own FAQ,
    /// or the national one for the ministry).
    func promote(_ id: UUID?, _ request: PromoteDifficultyRequest) async throws -> (FAQEntry, created: Bool) {
        let d = try await find(id)
        guard [Role.admin, .province].contains(scope.actor.role) else { throw AppError.forbidden }
        guard d.firstAnsweredAt != nil else { throw AppError.invalid("answer", "error.difficulty_unanswered") }
        let answered = try await DifficultyEvent.query(on: scope.db).filter(\.$difficultyID == d.id!).filter(\.$kind == "answered")
            .sort(\.$createdAt, .descending).first()
        let question = (request.question ?? "").trimmingWhitespace().isEmpty ? d.description : request.question!.trimmingWhitespace()
        guard let answer = (request.answer ?? "").trimmingWhitespace().isEmpty ? answered?.text : request.answer!.trimmingWhitespace() else {
            throw AppError.invalid("answer", "error.difficulty_unanswered")
        }
        if question.count > 2000 { throw AppError.invalid("question", "error.too_long", "2000") }
        if answer.count > 4000 { throw AppError.invalid("answer", "error.too_long", "4000") }
        // Promoted again by the same tier: its entry is replaced, not repeated.
        let existing = try await FAQEntry.query(on: scope.db).filter(\.$difficultyID == d.id!).filter(\.$unitPath == scope.actor.scopePath).first()
        let entry = existing ?? FAQEntry()
        entry.serviceCode = d.serviceCode
        entry.question = question
        entry.answer = answer
        entry.searchText = TextFolding.fold(question + " " + answer)
        entry.unitPath = scope.actor.scopePath
        entry.difficultyID = d.id
        entry.createdBy = scope.actor.login
        try await scope.db.writeTransaction { db in
            try await entry.save(on: db)
            try await event(d, "promoted", "", on: db)
        }
        return (entry, existing == nil)
    }

    static func text(_ request: DifficultyTextRequest, required: Bool) throws -> String {
        let text = (request.text ?? "").trimmingWhitespace()
        if required, text.isEmpty { throw AppError.invalid("text", "error.required") }
        if text.count > 4000 { throw AppError.invalid("text", "error.too_long", "4000") }
        return text
    }

    private func event(_ d: Difficulty, _ kind: String, _ text: String, on db: any Database) async throws {
        let e = DifficultyEvent()
        e.difficultyID = d.id!
        e.kind = kind
        e.actor = scope.actor.login
        e.actorRole = scope.actor.role.rawValue
        e.text = text
        e.unitPath = d.unitPath
        try await e.create(on: db)
    }

    /// A message to the accounts of `role` at `path`.
    private func tell(role: Role, at path: String, _ d: Difficulty, kind: String, _ text: String, on db: any Database) async throws {
        for u in try await User.query(on: db).filter(\.$role == role).filter(\.$unitPath == path).filter(\.$disabled == false).all() {
            try await tell(user: u.id!, d, kind: kind, text, on: db)
        }
    }

    private func tell(user: UUID, _ d: Difficulty, kind: String, _ text: String, on db: any Database) async throws {
        let m = OutboxMessage()
        m.recipientID = user
        m.unitPath = d.unitPath
        m.kind = kind
        m.dedupeKey = "\(kind)|\(d.id!.uuidString.lowercased())|\(user.uuidString.lowercased())|\(UUID().uuidString.lowercased())"
        m.message = text
        m.status = "pending"
        m.subjectID = d.id
        try await m.create(on: db)
    }

    // MARK: FAQ and figures

    /// FAQ entries visible to the account, of a service if given, whose folded text holds every word of `query`.
    func faq(service: String?, query: String?) async throws -> [FAQEntry] {
        var q = scope.query(FAQEntry.self)
        if let service, !service.isEmpty { q = q.filter(\.$serviceCode == service) }
        let words = TextFolding.fold(query ?? "").split(whereSeparator: { $0 == " " }).prefix(8)
        for w in words { q = q.filter(\.$searchText, .contains(inverse: false, .anywhere), String(w)) }
        return try await q.sort(\.$createdAt, .descending).limit(100).all()
    }

    /// Open difficulties under a path, and for those raised in `period`: the median hours to a first answer and to a
    /// solution. Read from the raw rows (three dates each), as a difficulty is rare beside a support.
    func figures(under path: String, period: ReportPeriod) async throws -> DifficultyFigures {
        let open = try await scope.query(Difficulty.self).under(path, \.$unitPath).filter(\.$status == .open).count()
        let raised = try await scope.query(Difficulty.self).under(path, \.$unitPath).filter(\.$raisedOn >= period.start.iso)
            .filter(\.$raisedOn <= period.end.iso).field(\.$id).field(\.$createdAt).field(\.$firstAnsweredAt).field(\.$solvedAt).all()
        func median(_ values: [Double]) -> Double? {
            guard !values.isEmpty else { return nil }
            let s = values.sorted()
            let m = s.count / 2
            let v = s.count % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2
            return (v * 10).rounded() / 10
        }
        let first = raised.compactMap { d in d.firstAnsweredAt.flatMap { a in d.createdAt.map { a.timeIntervalSince($0) / 3600 } } }
        let solved = raised.compactMap { d in d.solvedAt.flatMap { a in d.createdAt.map { a.timeIntervalSince($0) / 3600 } } }
        return DifficultyFigures(open: open, raised: raised.count, medianHoursToFirstAnswer: median(first), medianHoursToSolution: median(solved))
    }
}
