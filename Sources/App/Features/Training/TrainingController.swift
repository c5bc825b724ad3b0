import Fluent
import LanToaCore
import Vapor

/// The training pages: courses and sessions of the account's area with the forms that add them, a session's page
/// where attendance is ticked team by team or imported from the organiser's list, and a member's training record.
enum TrainingController {
    struct CourseItem: Encodable {
        var edit: String
        var title: String
        var mode: String
        var organiser: String
        var services: String
        var link: String?
    }

    struct SessionItem: Encodable {
        var date: String
        var course: String
        var unit: String
        var place: String
        var present: Int
        var link: String
    }

    struct IndexPage: Encodable {
        var layout: Layout
        var sessions: [SessionItem]
        var courses: [CourseItem]
        var canOrganise: Bool
        var courseOptions: [SelectOption]
        var modes: [SelectOption]
        var organisers: [SelectOption]
        var services: [SelectOption]
        var today: String
        var errors: [String]
    }

    static func index(req: Request) async throws -> View {
        try await renderIndex(req: req, errors: [])
    }

    static func renderIndex(req: Request, errors: [String]) async throws -> View {
        let service = TrainingService(scope: try req.scope, clock: req.clock)
        let courses = try await service.courses()
        let sessions = try await service.responses(try await service.sessions(), on: req.db).map { r in
            SessionItem(date: LocalDate(r.date)?.vietnamese ?? r.date, course: r.course.title, unit: r.unit.name,
                        place: r.place.isEmpty ? (r.link ?? "") : r.place, present: r.present, link: "/training/sessions/\(r.id.uuidString.lowercased())")
        }
        let services = try await req.scope.query(ServiceRecord.self).filter(\.$active == true).sort(\.$code).all()
        let names = Dictionary(services.map { ($0.code, $0.name) }, uniquingKeysWith: { a, _ in a })
        let page = IndexPage(
            layout: Layout(request: req, title: req.t("training.title")), sessions: sessions,
            courses: courses.map { c in
                CourseItem(edit: "/training/courses/\(c.id!.uuidString.lowercased())", title: c.title, mode: req.t("training.mode.\(c.mode.rawValue)"), organiser: c.organiserName,
                           services: c.serviceCodes.map { names[$0] ?? $0 }.joined(separator: ", "), link: c.link.isEmpty ? nil : c.link)
            },
            canOrganise: (try req.scope).actor.role.managesUnitsAndTeams,
            courseOptions: courses.map { SelectOption(value: $0.id!.uuidString.lowercased(), label: $0.title, selected: false) },
            modes: TrainingMode.allCases.map { SelectOption(value: $0.rawValue, label: req.t("training.mode.\($0.rawValue)"), selected: false) },
            organisers: TrainingOrganiser.allCases.map { SelectOption(value: $0.rawValue, label: req.t("training.organiser.\($0.rawValue)"), selected: false) },
            services: services.map { SelectOption(value: $0.code, label: $0.name, selected: false) },
            today: req.clock.today().iso, errors: errors)
        return try await req.view.render("training/index", page)
    }

    /// The form's messages for a refused request: each names its field.
    static func messages(_ error: AppError, req: Request) -> [String]? {
        guard let fields = error.fieldProblems else { return nil }
        return fields.map { f in label(f.field, req: req) + ": " + req.application.catalogue.text(f.key, req.language, f.args) }
    }

    /// The form's name for a field of the training requests.
    static func label(_ field: String, req: Request) -> String {
        switch field {
        case "title": req.t("training.course_title")
        case "topic": req.t("training.topic")
        case "mode": req.t("training.mode")
        case "link": req.t("training.link")
        case "organiser": req.t("training.organiser")
        case "organiserName": req.t("training.organiser_name")
        case "services": req.t("training.services")
        case "course": req.t("training.course")
        case "session": req.t("training.session")
        case "date": req.t("field.date")
        case "place": req.t("training.place")
        case "trainer": req.t("training.trainer")
        case "unit": req.t("training.unit")
        case "capacity": req.t("training.capacity")
        case "members", "entries": req.t("training.attendance")
        default: field
        }
    }

    static func createCourse(req: Request) async throws -> Response {
        let form = try req.content.decode(CreateTrainingCourseRequest.self)
        do {
            _ = try await TrainingService(scope: try req.scope, clock: req.clock).createCourse(form)
            return req.redirect(to: "/training")
        } catch let error as AppError {
            guard let messages = messages(error, req: req) else { throw error }
            return try await renderIndex(req: req, errors: messages).encodeResponse(status: error.status, for: req)
        }
    }

    static func createSession(req: Request) async throws -> Response {
        struct Form: Content {
            var course: String?
            var date: String?
            var place: String?
            var link: String?
            var trainer: String?
            var unit: String?
            var capacity: String?
        }
        let form = try req.content.decode(Form.self)
        do {
            let capacityText = (form.capacity ?? "").trimmingWhitespace()
            let capacity = capacityText.isEmpty ? 0 : Int(capacityText)
            guard let capacity else { throw AppError.invalid("capacity", "error.whole_number") }
            let session = try await TrainingService(scope: try req.scope, clock: req.clock).createSession(CreateTrainingSessionRequest(
                course: form.course.flatMap(UUID.init(uuidString:)), date: form.date, place: form.place, link: form.link, trainer: form.trainer,
                unit: form.unit, capacity: capacity))
            return req.redirect(to: "/training/sessions/\(session.id!.uuidString.lowercased())")
        } catch let error as AppError {
            guard let messages = messages(error, req: req) else { throw error }
            return try await renderIndex(req: req, errors: messages).encodeResponse(status: error.status, for: req)
        }
    }

    struct RosterMember: Encodable {
        var id: String
        var name: String
        var present: Bool
        var passed: Bool
    }

    struct RosterTeam: Encodable {
        var name: String
        var members: [RosterMember]
    }

    struct Attendee: Encodable {
        var name: String
        var link: String
        var team: String
        var present: Bool
        var result: String
        var certificate: String
    }

    struct ShowPage: Encodable {
        var layout: Layout
        var id: String
        var course: String
        var mode: String
        var date: String
        var place: String
        var link: String?
        var trainer: String
        var unit: String
        var capacity: Int
        var present: Int
        /// Units to choose from before ticking (a province's communes).
        var choices: [Crumb]
        var areaCode: String
        var roster: [RosterTeam]
        var canRecord: Bool
        var attendees: [Attendee]
        var errors: [String]
        var notice: String?
        var unmatched: [UnmatchedAttendanceRow]
        var columns: String
        /// The session's correction form, for the officials of its unit.
        var canEdit: Bool
        var dateISO: String
    }

    static func show(req: Request) async throws -> View {
        try await renderShow(req: req, errors: [], notice: req.query[String.self, at: "saved"].map { req.t("training.saved", $0) }, unmatched: [])
    }

    static func renderShow(req: Request, errors: [String], notice: String?, unmatched: [UnmatchedAttendanceRow]) async throws -> View {
        let scope = try req.scope
        let service = TrainingService(scope: scope, clock: req.clock)
        let session = try await service.session(req.parameters.get("id", as: UUID.self))
        let r = try await service.response(session, on: req.db)
        var area = service.area(of: session)
        var areaCode = ""
        if let code = req.query[String.self, at: "unit"], !code.isEmpty {
            let unit = try await UnitService(scope: scope, clock: req.clock).find(code: code, asOf: req.clock.today())
            guard unit.path.hasPrefix(area) else { throw AppError.notFound(what: "unit") }
            (area, areaCode) = (unit.path, unit.code)
        }
        var choices: [Crumb] = []
        var roster: [RosterTeam] = []
        let areaUnit = try await Rollups.lastID(area).asyncMap { try await Unit.find($0, on: req.db) }
        let attendances = try await service.attendances(session)
        let byMember = Dictionary(attendances.map { ($0.member, $0) }, uniquingKeysWith: { a, _ in a })
        if area == "/" || areaUnit?.tier == .province || areaUnit?.tier == .district {
            let dashboards = DashboardService(scope: scope, clock: req.clock)
            let place = areaUnit.map { DashboardService.Place($0) } ?? .nation
            choices = try await dashboards.children(of: place, asOf: req.clock.today()).map { Crumb(code: $0.ref.code, name: $0.ref.name) }
        } else {
            roster = try await service.roster(under: area).map { t in
                RosterTeam(name: t.team.name, members: t.members.map { m in
                    RosterMember(id: m.id!.uuidString.lowercased(), name: m.fullName, present: byMember[m.id!]?.present ?? false,
                                 passed: byMember[m.id!]?.passed ?? false)
                })
            }
        }
        let canRecord = scope.actor.role.managesMemberships && LocalDate(session.heldOn)! <= req.clock.today()
        let page = ShowPage(
            layout: Layout(request: req, title: r.course.title), id: session.id!.uuidString.lowercased(), course: r.course.title,
            mode: req.t("training.mode.\(r.course.mode.rawValue)"), date: LocalDate(r.date)?.vietnamese ?? r.date, place: r.place, link: r.link,
            trainer: r.trainer, unit: r.unit.name, capacity: r.capacity, present: r.present, choices: choices, areaCode: areaCode, roster: roster,
            canRecord: canRecord,
            attendees: attendances.map { a in
                Attendee(name: a.fullName, link: "/members/\(a.member.uuidString.lowercased())", team: a.teamName ?? "", present: a.present,
                         result: a.passed.map { req.t($0 ? "training.passed" : "training.failed") } ?? "", certificate: a.certificate)
            },
            errors: errors, notice: notice, unmatched: unmatched, columns: AttendanceSheet.Column.allCases.map(\.header).joined(separator: ", "),
            canEdit: (try? scope.authorize(.manageUnitsAndTeams, at: session.unitPath)) != nil, dateISO: session.heldOn)
        return try await req.view.render("training/session", page)
    }

    /// `POST /training/sessions/{id}/attendance`: the ticked members are present; a listed member left unticked is
    /// marked absent if they had been recorded.
    static func recordAttendance(req: Request) async throws -> Response {
        struct Form: Content {
            var unit: String?
            var members: [String]?
            var present: [String]?
            var passed: [String]?
        }
        let form = try req.content.decode(Form.self)
        let service = TrainingService(scope: try req.scope, clock: req.clock)
        let session = try await service.session(req.parameters.get("id", as: UUID.self))
        let recorded = Set(try await service.attendances(session).map(\.member))
        let present = Set((form.present ?? []).compactMap(UUID.init(uuidString:)))
        let passed = Set((form.passed ?? []).compactMap(UUID.init(uuidString:)))
        var entries: [TrainingService.Entry] = []
        for id in Set((form.members ?? []).compactMap(UUID.init(uuidString:))).union(present) where present.contains(id) || recorded.contains(id) {
            entries.append(TrainingService.Entry(field: "members", memberID: id, present: present.contains(id),
                                                 passed: passed.contains(id) ? true : nil, certificate: ""))
        }
        do {
            let n = try await service.record(session, entries)
            var target = "/training/sessions/\(session.id!.uuidString.lowercased())?saved=\(n)"
            if let unit = form.unit, !unit.isEmpty { target += "&unit=\(SiteURL.encode(unit))" }
            return req.redirect(to: target)
        } catch let error as AppError {
            guard let messages = messages(error, req: req) else { throw error }
            return try await renderShow(req: req, errors: messages, notice: nil, unmatched: []).encodeResponse(status: error.status, for: req)
        }
    }

    /// `POST /training/sessions/{id}/import`: the organiser's list or a MOOC completion list.
    static func importAttendance(req: Request) async throws -> Response {
        struct Form: Content { var file: File? }
        let service = TrainingService(scope: try req.scope, clock: req.clock)
        let session = try await service.session(req.parameters.get("id", as: UUID.self))
        guard let file = (try? req.content.decode(Form.self))?.file, file.data.readableBytes > 0 else {
            return try await renderShow(req: req, errors: [req.t("error.file_missing")], notice: nil, unmatched: [])
                .encodeResponse(status: .unprocessableEntity, for: req)
        }
        do {
            let outcome = try await service.importSheet(session, Data(buffer: file.data), reader: req.tableReader)
            return try await renderShow(req: req, errors: [], notice: req.t("training.imported", String(outcome.matched), String(outcome.recorded),
                                                                             String(outcome.unmatched.count)),
                                        unmatched: outcome.unmatched).encodeResponse(status: .ok, for: req)
        } catch let AppError.importRejected(problems) {
            let rows = problems.map { p in
                let d = req.application.catalogue.describe(p, req.language)
                return d.row > 0 ? req.t("training.problem_row", String(d.row), d.column, d.message) : d.message
            }
            return try await renderShow(req: req, errors: rows, notice: nil, unmatched: []).encodeResponse(status: .unprocessableEntity, for: req)
        } catch let error as AppError {
            guard let messages = messages(error, req: req) else { throw error }
            return try await renderShow(req: req, errors: messages, notice: nil, unmatched: []).encodeResponse(status: error.status, for: req)
        }
    }

    struct MemberPage: Encodable {
        var layout: Layout
        var name: String
        var phone: String
        var team: String?
        var teamLink: String?
        var attendances: Int
        var trainedThisYear: Bool
        var entries: [Attendee]
    }

    /// `GET /members/{id}`: a member's page, with their training record.
    static func member(req: Request) async throws -> View {
        let scope = try req.scope
        let record = try await TrainingService(scope: scope, clock: req.clock).memberRecord(req.parameters.get("id", as: UUID.self))
        let member = try await scope.find(Member.self, record.member, what: "member")
        let open = try await Membership.query(on: req.db).filter(\.$memberID == record.member).filter(\.$validTo == LocalDate.distantFuture.iso).first()
        let team = try await open.asyncMap { try await Team.find($0.teamID, on: req.db) }
        let page = MemberPage(
            layout: Layout(request: req, title: record.fullName), name: record.fullName,
            phone: (try? PhoneNumber(parsing: member.phone).formatted) ?? member.phone, team: team?.name,
            teamLink: team.map { SiteURL.team($0.id!).path }, attendances: record.attendances, trainedThisYear: record.trainedThisYear,
            entries: record.entries.map { e in
                Attendee(name: e.course, link: "/training/sessions/\(e.session.uuidString.lowercased())", team: LocalDate(e.date)?.vietnamese ?? e.date,
                         present: e.present, result: e.passed.map { req.t($0 ? "training.passed" : "training.failed") } ?? "", certificate: e.certificate)
            })
        return try await req.view.render("training/member", page)
    }

    // MARK: corrections

    struct SessionForm: Content {
        var date: String?
        var place: String?
        var link: String?
        var trainer: String?
        var capacity: String?
    }

    /// `POST /training/sessions/{id}/edit`: the day (while nobody is marked present), place, link, trainer, seats.
    static func updateSession(req: Request) async throws -> Response {
        let form = try req.content.decode(SessionForm.self)
        let id = req.parameters.get("id", as: UUID.self)
        do {
            let capacityText = (form.capacity ?? "").trimmingWhitespace()
            guard let capacity = capacityText.isEmpty ? 0 : Int(capacityText) else { throw AppError.invalid("capacity", "error.whole_number") }
            let session = try await TrainingService(scope: try req.scope, clock: req.clock).updateSession(id, CreateTrainingSessionRequest(
                course: nil, date: form.date, place: form.place, link: form.link, trainer: form.trainer, unit: nil, capacity: capacity))
            return req.redirect(to: "/training/sessions/\(session.id!.uuidString.lowercased())")
        } catch let error as AppError {
            guard let messages = messages(error, req: req) else { throw error }
            return try await renderShow(req: req, errors: messages, notice: nil, unmatched: []).encodeResponse(status: error.status, for: req)
        }
    }

    /// `POST /training/sessions/{id}/remove`: only while nobody is marked present.
    static func removeSession(req: Request) async throws -> Response {
        do {
            try await TrainingService(scope: try req.scope, clock: req.clock).removeSession(req.parameters.get("id", as: UUID.self))
            return req.redirect(to: "/training")
        } catch let error as AppError {
            guard let messages = messages(error, req: req) else { throw error }
            return try await renderShow(req: req, errors: messages, notice: nil, unmatched: []).encodeResponse(status: error.status, for: req)
        }
    }

    struct CoursePage: Encodable {
        var layout: Layout
        var id: String
        var title: String
        var topic: String
        var link: String
        var organiserName: String
        var modes: [SelectOption]
        var organisers: [SelectOption]
        var services: [SelectOption]
        var sessions: Int
        var canEdit: Bool
        var errors: [String]
    }

    /// `GET /training/courses/{id}`: the course's correction form, and its removal while it has no session.
    static func course(req: Request) async throws -> View {
        try await renderCourse(req: req, errors: [])
    }

    static func renderCourse(req: Request, errors: [String]) async throws -> View {
        let scope = try req.scope
        let service = TrainingService(scope: scope, clock: req.clock)
        let c = try await service.course(req.parameters.get("id", as: UUID.self))
        let services = try await scope.query(ServiceRecord.self).filter(\.$active == true).sort(\.$code).all()
        let chosen = Set(c.serviceCodes)
        return try await req.view.render("training/course", CoursePage(
            layout: Layout(request: req, title: c.title), id: c.id!.uuidString.lowercased(), title: c.title, topic: c.topic, link: c.link,
            organiserName: c.organiserName,
            modes: TrainingMode.allCases.map { SelectOption(value: $0.rawValue, label: req.t("training.mode.\($0.rawValue)"), selected: $0 == c.mode) },
            organisers: TrainingOrganiser.allCases.map {
                SelectOption(value: $0.rawValue, label: req.t("training.organiser.\($0.rawValue)"), selected: $0 == c.organiser)
            },
            services: services.map { SelectOption(value: $0.code, label: $0.name, selected: chosen.contains($0.code)) },
            sessions: try await TrainingSession.query(on: req.db).filter(\.$courseID == c.id!).count(),
            canEdit: (try? scope.authorize(.manageUnitsAndTeams, at: c.unitPath)) != nil, errors: errors))
    }

    /// `POST /training/courses/{id}`: the corrected course.
    static func updateCourse(req: Request) async throws -> Response {
        let form = try req.content.decode(CreateTrainingCourseRequest.self)
        do {
            _ = try await TrainingService(scope: try req.scope, clock: req.clock).updateCourse(req.parameters.get("id", as: UUID.self), form)
            return req.redirect(to: "/training")
        } catch let error as AppError {
            guard let messages = messages(error, req: req) else { throw error }
            return try await renderCourse(req: req, errors: messages).encodeResponse(status: error.status, for: req)
        }
    }

    /// `POST /training/courses/{id}/remove`: only a course without sessions.
    static func removeCourse(req: Request) async throws -> Response {
        do {
            try await TrainingService(scope: try req.scope, clock: req.clock).removeCourse(req.parameters.get("id", as: UUID.self))
            return req.redirect(to: "/training")
        } catch let error as AppError {
            guard let messages = messages(error, req: req) else { throw error }
            return try await renderCourse(req: req, errors: messages).encodeResponse(status: error.status, for: req)
        }
    }
}
