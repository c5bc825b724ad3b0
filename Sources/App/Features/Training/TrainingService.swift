import Fluent
import Foundation
import LanToaCore
import SQLKit

/// Training records (tập huấn, bồi dưỡng): courses, their sessions, and who attended. Courses and sessions are seen by
/// everyone in and under their unit; attendances by the accounts above the member. A member's attendance is recorded
/// by whoever keeps their team's list (the leader, the commune, the province), for a session of a unit above them.
struct TrainingService {
    let scope: Scope
    let clock: AppClock

    // MARK: courses

    /// The courses offered in the account's area: its own units' and those of the units above it, newest first.
    func courses() async throws -> [TrainingCourse] {
        try await scope.query(TrainingCourse.self).sort(\.$createdAt, .descending).limit(500).all()
    }

    func course(_ id: UUID?) async throws -> TrainingCourse {
        try await scope.find(TrainingCourse.self, id, what: "training_course")
    }

    /// A course's fields as entered, checked; every problem named.
    private struct CourseFields {
        var title: String
        var topic: String
        var mode: TrainingMode
        var link: String
        var organiser: TrainingOrganiser
        var organiserName: String
        var services: [String]
    }

    private func courseFields(_ request: CreateTrainingCourseRequest) throws -> CourseFields {
        var problems: [FieldProblem] = []
        let title = TeamImport.normaliseName(request.title ?? "")
        if title.isEmpty { problems.append(FieldProblem("title", "error.required")) } else if title.count > 200 {
            problems.append(FieldProblem("title", "error.too_long", "200"))
        }
        let topic = (request.topic ?? "").trimmingWhitespace()
        if topic.count > 1000 { problems.append(FieldProblem("topic", "error.too_long", "1000")) }
        let mode = TrainingMode(rawValue: request.mode ?? "")
        if mode == nil { problems.append(FieldProblem("mode", "error.choice", TrainingMode.allCases.map(\.rawValue).joined(separator: ", "))) }
        let link = (request.link ?? "").trimmingWhitespace()
        if let problem = Self.linkProblem(link, field: "link", required: mode == .mooc) { problems.append(problem) }
        let organiser = request.organiser.map { TrainingOrganiser(rawValue: $0) } ?? .unit
        if organiser == nil { problems.append(FieldProblem("organiser", "error.choice", TrainingOrganiser.allCases.map(\.rawValue).joined(separator: ", "))) }
        let organiserName = TeamImport.normaliseName(request.organiserName ?? "")
        if organiser == .partner, organiserName.isEmpty { problems.append(FieldProblem("organiserName", "error.required")) }
        if organiserName.count > 200 { problems.append(FieldProblem("organiserName", "error.too_long", "200")) }
        let services = Array(Set((request.services ?? []).map { $0.trimmingWhitespace() }.filter { !$0.isEmpty })).sorted()
        guard problems.isEmpty, let mode, let organiser else { throw AppError.invalid(problems) }
        return CourseFields(title: title, topic: topic, mode: mode, link: link, organiser: organiser, organiserName: organiserName, services: services)
    }

    /// The catalogue services a course of the unit at `path` may cover: the national ones and its province's.
    private func checkServices(_ services: [String], at path: String) async throws {
        guard !services.isEmpty else { return }
        let known = Set(try await scope.query(ServiceRecord.self).filter(\.$active == true).all()
            .filter { $0.unitPath == "/" || path.hasPrefix($0.unitPath) }.map(\.code))
        if let unknown = services.first(where: { !known.contains($0) }) { throw AppError.invalid("services", "error.unknown_service", unknown) }
    }

    private func apply(_ f: CourseFields, to course: TrainingCourse, unitName: String) {
        course.title = f.title
        course.topic = f.topic
        course.services = f.services.joined(separator: ",")
        course.mode = f.mode
        course.link = f.link
        course.organiser = f.organiser
        course.organiserName = f.organiserName.isEmpty ? (f.organiser == .national ? "Cục Chuyển đổi số quốc gia" : unitName) : f.organiserName
    }

    func createCourse(_ request: CreateTrainingCourseRequest) async throws -> TrainingCourse {
        let path: String
        let unitName: String
        if let code = request.unit?.trimmingWhitespace(), !code.isEmpty, code.uppercased() != "VN" {
            let unit = try await UnitService(scope: scope, clock: clock).find(code: code, asOf: clock.today())
            (path, unitName) = (unit.path, unit.name)
        } else if request.unit?.uppercased() == "VN" || scope.actor.scopePath == "/" {
            (path, unitName) = ("/", "Cục Chuyển đổi số quốc gia")
        } else {
            let own = try await UnitService(scope: scope, clock: clock).find(id: Rollups.lastID(scope.actor.scopePath) ?? UUID())
            (path, unitName) = (own.path, own.name)
        }
        let fields = try courseFields(request)
        try scope.authorize(.manageUnitsAndTeams, at: path)
        try await checkServices(fields.services, at: path)
        let course = TrainingCourse()
        apply(fields, to: course, unitName: unitName)
        course.unitPath = path
        course.createdBy = scope.actor.login
        try await scope.db.writeTransaction { db in
            try await course.create(on: db)
            try await AuditLog.record(on: db, actor: scope.actor, at: clock.now(), action: .create, entity: "training_course", entityID: course.id,
                                      unitPath: path, summary: fields.title, before: Nothing?.none, after: try await response(course, on: db))
        }
        return course
    }

    /// Corrects a course (title, topic, services, mode, link, organiser) by the officials of its unit; it stays where
    /// it is, and its sessions and attendances are untouched.
    func updateCourse(_ id: UUID?, _ request: CreateTrainingCourseRequest) async throws -> TrainingCourse {
        let course = try await course(id)
        try scope.authorize(.manageUnitsAndTeams, at: course.unitPath)
        let fields = try courseFields(request)
        try await checkServices(fields.services, at: course.unitPath)
        let before = try await response(course, on: scope.db)
        let unitName = try await responses([course], on: scope.db)[0].unit?.name ?? "Cục Chuyển đổi số quốc gia"
        apply(fields, to: course, unitName: unitName)
        try await scope.db.writeTransaction { db in
            try await course.update(on: db)
            try await AuditLog.record(on: db, actor: scope.actor, at: clock.now(), action: .update, entity: "training_course", entityID: course.id,
                                      unitPath: course.unitPath, summary: fields.title, before: before, after: try await response(course, on: db))
        }
        return course
    }

    /// Removes a course made by mistake: only one without sessions (409 otherwise: its sessions go first).
    func removeCourse(_ id: UUID?) async throws {
        let course = try await course(id)
        try scope.authorize(.manageUnitsAndTeams, at: course.unitPath)
        let before = try await response(course, on: scope.db)
        try await scope.db.writeTransaction { db in
            guard try await TrainingSession.query(on: db).filter(\.$courseID == course.id!).count() == 0 else {
                throw AppError.conflict(FieldProblem("course", "error.training_course_has_sessions"))
            }
            try await course.delete(on: db)
            try await AuditLog.record(on: db, actor: scope.actor, at: clock.now(), action: .end, entity: "training_course", entityID: course.id,
                                      unitPath: course.unitPath, summary: course.title, before: before, after: Nothing?.none)
        }
    }

    static func linkProblem(_ link: String, field: String, required: Bool) -> FieldProblem? {
        if link.isEmpty { return required ? FieldProblem(field, "error.required") : nil }
        guard link.count <= 500, let url = URL(string: link), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
            return FieldProblem(field, "error.link")
        }
        return nil
    }

    // MARK: sessions

    /// The sessions of the account's area and of the units above it, newest first.
    func sessions(limit: Int = 200) async throws -> [TrainingSession] {
        try await scope.query(TrainingSession.self).sort(\.$heldOn, .descending).sort(\.$createdAt, .descending).limit(limit).all()
    }

    func session(_ id: UUID?) async throws -> TrainingSession {
        try await scope.find(TrainingSession.self, id, what: "training_session")
    }

    /// A session's fields as entered, checked against its course; every problem named.
    private struct SessionFields {
        var date: LocalDate
        var place: String
        var link: String
        var trainer: String
        var capacity: Int
    }

    private func sessionFields(_ request: CreateTrainingSessionRequest, course: TrainingCourse) throws -> SessionFields {
        var problems: [FieldProblem] = []
        let date = request.date.flatMap { LocalDate($0.trimmingWhitespace()) }
        if date == nil { problems.append(FieldProblem("date", (request.date ?? "").isEmpty ? "error.required" : "error.date")) }
        let place = TeamImport.normaliseName(request.place ?? "")
        if place.count > 200 { problems.append(FieldProblem("place", "error.too_long", "200")) }
        if course.mode == .inPerson, place.isEmpty { problems.append(FieldProblem("place", "error.required")) }
        let link = (request.link ?? "").trimmingWhitespace()
        if let problem = Self.linkProblem(link, field: "link", required: course.mode == .online) { problems.append(problem) }
        let trainer = TeamImport.normaliseName(request.trainer ?? "")
        if trainer.count > 200 { problems.append(FieldProblem("trainer", "error.too_long", "200")) }
        let capacity = request.capacity ?? 0
        if !(0...100_000).contains(capacity) { problems.append(FieldProblem("capacity", "error.range", "0", "100000")) }
        if let date, date > clock.today().adding(days: 366) { problems.append(FieldProblem("date", "error.range", clock.today().iso, clock.today().adding(days: 366).iso)) }
        guard problems.isEmpty, let date else { throw AppError.invalid(problems) }
        return SessionFields(date: date, place: place, link: link, trainer: trainer, capacity: capacity)
    }

    func createSession(_ request: CreateTrainingSessionRequest) async throws -> TrainingSession {
        guard let courseID = request.course else { throw AppError.invalid("course", "error.required") }
        let course = try await course(courseID)
        let fields = try sessionFields(request, course: course)
        let date = fields.date
        let units = UnitService(scope: scope, clock: clock)
        let unit: Unit
        if let code = request.unit?.trimmingWhitespace(), !code.isEmpty {
            unit = try await units.find(code: code, asOf: date)
        } else if let id = Rollups.lastID(course.unitPath), scope.contains(path: course.unitPath) {
            unit = try await units.find(id: id)
        } else if let id = Rollups.lastID(scope.actor.scopePath) {
            unit = try await units.find(id: id)
        } else { throw AppError.invalid("unit", "error.required") }
        guard unit.path.hasPrefix(course.unitPath) else { throw AppError.invalid("unit", "error.outside_course", course.title) }
        try scope.authorize(.manageUnitsAndTeams, at: unit.path)
        let session = TrainingSession()
        session.courseID = courseID
        session.heldOn = date.iso
        session.place = fields.place
        session.link = fields.link
        session.trainer = fields.trainer
        session.unitID = unit.id!
        session.unitPath = unit.path
        session.capacity = fields.capacity
        session.createdBy = scope.actor.login
        try await scope.db.writeTransaction { db in
            try await session.create(on: db)
            try await AuditLog.record(on: db, actor: scope.actor, at: clock.now(), action: .create, entity: "training_session", entityID: session.id,
                                      unitPath: unit.path, summary: "\(course.title), \(date.vietnamese)", before: Nothing?.none,
                                      after: try await response(session, on: db))
        }
        return session
    }

    /// Corrects a session (day, place, link, trainer, seats) by the officials of its unit. Its day moves only while
    /// nobody is marked present: the figures count each attendance on the session's day (409 otherwise).
    func updateSession(_ id: UUID?, _ request: CreateTrainingSessionRequest) async throws -> TrainingSession {
        let session = try await session(id)
        try scope.authorize(.manageUnitsAndTeams, at: session.unitPath)
        let course = try await course(session.courseID)
        let fields = try sessionFields(request, course: course)
        let before = try await response(session, on: scope.db)
        try await scope.db.writeTransaction { db in
            if fields.date.iso != session.heldOn, try await presentCount(session, on: db) > 0 {
                throw AppError.conflict(FieldProblem("date", "error.training_session_attended"))
            }
            session.heldOn = fields.date.iso
            session.place = fields.place
            session.link = fields.link
            session.trainer = fields.trainer
            session.capacity = fields.capacity
            try await session.update(on: db)
            try await TrainingAttendance.query(on: db).filter(\.$sessionID == session.id!).set(\.$heldOn, to: session.heldOn).update()
            try await AuditLog.record(on: db, actor: scope.actor, at: clock.now(), action: .update, entity: "training_session", entityID: session.id,
                                      unitPath: session.unitPath, summary: "\(course.title), \(fields.date.vietnamese)", before: before,
                                      after: try await response(session, on: db))
        }
        return session
    }

    /// Removes a session made by mistake, with its absences: only while nobody is marked present (409 otherwise).
    func removeSession(_ id: UUID?) async throws {
        let session = try await session(id)
        try scope.authorize(.manageUnitsAndTeams, at: session.unitPath)
        let before = try await response(session, on: scope.db)
        try await scope.db.writeTransaction { db in
            guard try await presentCount(session, on: db) == 0 else {
                throw AppError.conflict(FieldProblem("session", "error.training_session_attended"))
            }
            try await TrainingAttendance.query(on: db).filter(\.$sessionID == session.id!).delete()
            try await session.delete(on: db)
            try await AuditLog.record(on: db, actor: scope.actor, at: clock.now(), action: .end, entity: "training_session", entityID: session.id,
                                      unitPath: session.unitPath, summary: "\(before.course.title), \(session.heldOn)", before: before, after: Nothing?.none)
        }
    }

    // MARK: attendance

    /// One member's attendance as entered.
    struct Entry: Sendable {
        var field: String
        var memberID: UUID?
        var present: Bool
        var passed: Bool?
        var certificate: String
    }

    /// The attendances of a session the account may see (its own area's), with the members' names and teams.
    func attendances(_ session: TrainingSession) async throws -> [TrainingAttendanceRow] {
        let rows = try await scope.query(TrainingAttendance.self).filter(\.$sessionID == session.id!).all()
        let members = Dictionary(try await Member.query(on: scope.db).filter(\.$id ~~ rows.map(\.memberID)).all().map { ($0.id!, $0) },
                                 uniquingKeysWith: { a, _ in a })
        let teams = Dictionary(try await Team.query(on: scope.db).filter(\.$id ~~ rows.compactMap(\.teamID)).all().map { ($0.id!, $0.name) },
                               uniquingKeysWith: { a, _ in a })
        return rows.map { a in
            TrainingAttendanceRow(member: a.memberID, fullName: members[a.memberID]?.fullName ?? "", team: a.teamID,
                                  teamName: a.teamID.flatMap { teams[$0] }, present: a.present, passed: a.passed, certificate: a.certificate)
        }.sorted { ($0.teamName ?? "", $0.fullName) < ($1.teamName ?? "", $1.fullName) }
    }

    func presentCount(_ session: TrainingSession, on db: any Database) async throws -> Int {
        try await TrainingAttendance.query(on: db).filter(\.$sessionID == session.id!).filter(\.$present == true).count()
    }

    /// Parses the API's entries: every member named, each once.
    static func entries(_ request: TrainingAttendanceRequest) throws -> [Entry] {
        guard let list = request.entries, !list.isEmpty else { throw AppError.invalid("entries", "error.required") }
        guard list.count <= 5000 else { throw AppError.invalid("entries", "error.too_many", "5000") }
        var seen = Set<UUID>()
        var out: [Entry] = []
        for (i, e) in list.enumerated() {
            guard let member = e.member else { throw AppError.invalid("entries[\(i)].member", "error.required") }
            guard seen.insert(member).inserted else { throw AppError.invalid("entries[\(i)].member", "error.repeated") }
            guard let present = e.present else { throw AppError.invalid("entries[\(i)].present", "error.required") }
            let certificate = (e.certificate ?? "").trimmingWhitespace()
            guard certificate.count <= 60 else { throw AppError.invalid("entries[\(i)].certificate", "error.too_long", "60") }
            out.append(Entry(field: "entries[\(i)].member", memberID: member, present: present, passed: e.passed, certificate: certificate))
        }
        return out
    }

    /// Records attendances of a session, all or none; returns how many were new or changed. The figures move in the
    /// same transaction.
    @discardableResult
    func record(_ session: TrainingSession, _ entries: [Entry]) async throws -> Int {
        guard !entries.isEmpty else { return 0 }
        let heldOn = LocalDate(session.heldOn)!
        if heldOn > clock.today(), entries.contains(where: \.present) {
            throw AppError.invalid("entries", "error.session_not_held", heldOn.vietnamese)
        }
        var members: [UUID: Member] = [:]
        for chunk in entries.compactMap(\.memberID).chunked(500) {
            for m in try await scope.query(Member.self).filter(\.$id ~~ Array(chunk)).all() { members[m.id!] = m }
        }
        for e in entries {
            guard let id = e.memberID, let m = members[id] else { throw AppError.invalid(e.field, "error.unknown_member") }
            guard m.unitPath.hasPrefix(session.unitPath) else { throw AppError.invalid(e.field, "error.member_outside_session", m.fullName) }
            try scope.authorize(.manageMemberships, at: m.unitPath)
        }
        let found = members
        let ids = Array(found.keys)
        let sessionID = session.id!
        let actor = scope.actor
        let now = clock.now()
        return try await scope.db.writeTransaction { db in
            try await TrainingFigures.lock(members: ids, on: db)
            let before = try await TrainingFigures.firsts(of: ids, on: db)
            var existing: [UUID: TrainingAttendance] = [:]
            for chunk in ids.chunked(500) {
                for a in try await TrainingAttendance.query(on: db).filter(\.$sessionID == sessionID).filter(\.$memberID ~~ Array(chunk)).all() {
                    existing[a.memberID] = a
                }
            }
            var teamOf: [UUID: UUID] = [:]
            for chunk in ids.chunked(500) {
                for m in try await Membership.query(on: db).filter(\.$memberID ~~ Array(chunk)).filter(\.$validTo == LocalDate.distantFuture.iso).all() {
                    teamOf[m.memberID] = m.teamID
                }
            }
            var changes: [TrainingFigures.Change] = []
            var written = 0
            for e in entries {
                let member = found[e.memberID!]!
                let row = existing[member.id!] ?? TrainingAttendance()
                let was = existing[member.id!]?.present ?? false
                if existing[member.id!] == nil {
                    row.sessionID = sessionID
                    row.memberID = member.id!
                    row.teamID = teamOf[member.id!]
                    row.unitPath = member.unitPath
                    row.heldOn = session.heldOn
                } else if row.present == e.present && row.passed == e.passed && row.certificate == e.certificate {
                    continue
                }
                row.present = e.present
                row.passed = e.passed
                row.certificate = e.certificate
                row.recordedBy = actor.login
                try await row.save(on: db)
                written += 1
                changes.append(.init(path: row.unitPath, heldOn: heldOn, was: was, now: e.present))
            }
            if session.capacity > 0, try await presentCount(session, on: db) > session.capacity {
                throw AppError.invalid("entries", "error.capacity", String(session.capacity))
            }
            try await TrainingFigures.apply(changes, firstsBefore: before, members: ids, on: db)
            if written > 0 {
                struct Summary: Encodable { var present: Int; var absent: Int }
                try await AuditLog.record(on: db, actor: actor, at: now, action: .update, entity: "training_attendance", entityID: sessionID,
                                          unitPath: session.unitPath, summary: "\(written) attendances", before: Nothing?.none,
                                          after: Summary(present: changes.filter(\.now).count, absent: changes.filter { !$0.now }.count))
            }
            return written
        }
    }

    /// Reads an organiser's list or a MOOC completion list (all rows checked first, nothing written on a problem),
    /// matches members by phone within the session's area and the account's, and records the matched rows.
    func importSheet(_ session: TrainingSession, _ data: Data, reader: TableReader) async throws
        -> (recorded: Int, matched: Int, unmatched: [UnmatchedAttendanceRow]) {
        let checked = AttendanceSheet.check(try await reader.read(data))
        guard checked.problems.isEmpty else { throw AppError.importRejected(checked.problems) }
        var byPhone: [String: Member] = [:]
        for chunk in checked.rows.map(\.phone.digits).chunked(500) {
            for m in try await scope.query(Member.self).filter(\.$phone ~~ Array(chunk)).filter(\.$erasedAt == nil).all()
            where m.unitPath.hasPrefix(session.unitPath) {
                byPhone[m.phone] = m
            }
        }
        var entries: [Entry] = []
        var unmatched: [UnmatchedAttendanceRow] = []
        for row in checked.rows {
            guard let m = byPhone[row.phone.digits] else {
                unmatched.append(UnmatchedAttendanceRow(row: row.row, phone: row.phone.digits, fullName: row.fullName))
                continue
            }
            entries.append(Entry(field: "row \(row.row)", memberID: m.id, present: row.present, passed: row.passed, certificate: row.certificate))
        }
        return (try await record(session, entries), entries.count, unmatched)
    }

    // MARK: a member's record

    func memberRecord(_ memberID: UUID?) async throws -> MemberTrainingResponse {
        let member = try await scope.find(Member.self, memberID, what: "member")
        let rows = try await TrainingAttendance.query(on: scope.db).filter(\.$memberID == member.id!).sort(\.$heldOn, .descending).all()
        let sessions = Dictionary(try await TrainingSession.query(on: scope.db).filter(\.$id ~~ rows.map(\.sessionID)).all().map { ($0.id!, $0) },
                                  uniquingKeysWith: { a, _ in a })
        let courses = Dictionary(try await TrainingCourse.query(on: scope.db).filter(\.$id ~~ sessions.values.map(\.courseID)).all()
            .map { ($0.id!, $0) }, uniquingKeysWith: { a, _ in a })
        let year = String(clock.today().year)
        return MemberTrainingResponse(
            member: member.id!, fullName: member.fullName, attendances: rows.filter(\.present).count,
            trainedThisYear: rows.contains { $0.present && $0.heldOn.hasPrefix(year) },
            entries: rows.map { a in
                let course = sessions[a.sessionID].flatMap { courses[$0.courseID] }
                return MemberTrainingEntry(session: a.sessionID, course: course?.title ?? "", date: a.heldOn, organiser: course?.organiserName ?? "",
                                           present: a.present, passed: a.passed, certificate: a.certificate)
            })
    }

    // MARK: responses

    func response(_ course: TrainingCourse, on db: any Database) async throws -> TrainingCourseResponse {
        try await responses([course], on: db)[0]
    }

    func responses(_ courses: [TrainingCourse], on db: any Database) async throws -> [TrainingCourseResponse] {
        let ids = Set(courses.compactMap { Rollups.lastID($0.unitPath) })
        let units = Dictionary(try await Unit.query(on: db).filter(\.$id ~~ Array(ids)).all().map { ($0.id!, $0) }, uniquingKeysWith: { a, _ in a })
        return courses.map { c in
            TrainingCourseResponse(id: c.id!, title: c.title, topic: c.topic, services: c.serviceCodes, mode: c.mode, link: c.link.isEmpty ? nil : c.link,
                                   organiser: c.organiser, organiserName: c.organiserName,
                                   unit: Rollups.lastID(c.unitPath).flatMap { units[$0] }.map { UnitRef(code: $0.code, name: $0.name, tier: $0.tier) })
        }
    }

    func response(_ session: TrainingSession, on db: any Database) async throws -> TrainingSessionResponse {
        try await responses([session], on: db)[0]
    }

    /// Sessions as the API shows them, read in a few statements whatever their number.
    func responses(_ sessions: [TrainingSession], on db: any Database) async throws -> [TrainingSessionResponse] {
        guard !sessions.isEmpty else { return [] }
        let courses = Dictionary(try await responses(try await TrainingCourse.query(on: db).filter(\.$id ~~ Set(sessions.map(\.courseID))).all(), on: db)
            .map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let units = Dictionary(try await Unit.query(on: db).filter(\.$id ~~ Set(sessions.map(\.unitID))).all().map { ($0.id!, $0) },
                               uniquingKeysWith: { a, _ in a })
        var present: [UUID: Int] = [:]
        for chunk in sessions.map({ $0.id! }).chunked(500) {
            for row in try await (db as! any SQLDatabase).raw("""
                SELECT session_id, COUNT(*) AS n FROM training_attendances WHERE present = \(bind: true) AND session_id IN (\(binds: Array(chunk)))
                GROUP BY session_id
                """).all() {
                present[try row.decode(column: "session_id", as: UUID.self)] = try row.decode(column: "n", as: Int.self)
            }
        }
        return try sessions.map { s in
            guard let course = courses[s.courseID], let unit = units[s.unitID] else { throw AppError.notFound(what: "training_session") }
            return TrainingSessionResponse(id: s.id!, course: course, date: s.heldOn, place: s.place, link: s.link.isEmpty ? nil : s.link,
                                           trainer: s.trainer, unit: UnitRef(code: unit.code, name: unit.name, tier: unit.tier),
                                           capacity: s.capacity, present: present[s.id!] ?? 0)
        }
    }
}

extension TrainingService {
    /// A team and its serving members, for ticking attendance.
    struct RosterTeam {
        var team: Team
        var members: [Member]
    }

    /// The area whose members the account records for a session: the narrower of the session's unit and the account's.
    func area(of session: TrainingSession) -> String {
        scope.actor.scopePath.hasPrefix(session.unitPath) ? scope.actor.scopePath : session.unitPath
    }

    /// The active teams under `path` with their serving members (at most `limit` teams), by team name.
    func roster(under path: String, limit: Int = 200) async throws -> [RosterTeam] {
        let teams = try await scope.query(Team.self).under(path, \.$unitPath).filter(\.$status == .active).sort(\.$name).limit(limit).all()
        guard !teams.isEmpty else { return [] }
        let open = try await Membership.query(on: scope.db).filter(\.$teamID ~~ teams.map { $0.id! })
            .filter(\.$validTo == LocalDate.distantFuture.iso).all()
        let members = Dictionary(try await Member.query(on: scope.db).filter(\.$id ~~ open.map(\.memberID)).all().map { ($0.id!, $0) },
                                 uniquingKeysWith: { a, _ in a })
        let byTeam = Dictionary(grouping: open, by: \.teamID)
        return teams.map { t in
            RosterTeam(team: t, members: (byTeam[t.id!] ?? []).compactMap { members[$0.memberID] }.sorted { $0.fullName < $1.fullName })
        }
    }
}
