import Fluent
import LanToaCore
import Vapor

/// The difficulty pages: the area's difficulties with the form that raises one, a difficulty with what its reader may
/// do (answer, forward, solve, reopen, promote), and the FAQ's search.
enum DifficultiesController {
    struct Item: Encodable {
        var link: String
        var service: String
        var description: String
        var askedBy: String
        var unit: String
        var status: String
        var raisedOn: String
    }

    struct IndexPage: Encodable {
        var layout: Layout
        var items: [Item]
        var canRaise: Bool
        var services: [SelectOption]
        var statuses: [SelectOption]
        var errors: [String]
    }

    static func serviceNames(_ req: Request) async throws -> [String: String] {
        Dictionary(try await (try req.scope).query(ServiceRecord.self).all().map { ($0.code, $0.name) }, uniquingKeysWith: { a, _ in a })
    }

    static func status(_ d: DifficultyResponse, req: Request) -> String {
        d.status == .open ? req.t("difficulty.status.open_\(d.level.rawValue)") : req.t("difficulty.status.\(d.status.rawValue)")
    }

    static func index(req: Request) async throws -> View {
        try await renderIndex(req: req, errors: [])
    }

    static func renderIndex(req: Request, errors: [String]) async throws -> View {
        let scope = try req.scope
        let service = DifficultyService(scope: scope, clock: req.clock)
        let chosen = DifficultyStatus(rawValue: req.query[String.self, at: "status"] ?? "")
        let names = try await serviceNames(req)
        let items = try await service.responses(try await service.list(status: chosen)).map { d in
            Item(link: "/difficulties/\(d.id.uuidString.lowercased())", service: names[d.service] ?? d.service, description: d.description,
                 askedBy: d.askedBy, unit: d.unit, status: status(d, req: req), raisedOn: LocalDate(d.raisedOn)?.vietnamese ?? d.raisedOn)
        }
        let services = try await scope.query(ServiceRecord.self).filter(\.$active == true).sort(\.$code).all()
        return try await req.view.render("difficulties/index", IndexPage(
            layout: Layout(request: req, title: req.t("difficulty.title")), items: items,
            canRaise: [Role.leader, .member, .commune].contains(scope.actor.role),
            services: services.map { SelectOption(value: $0.code, label: $0.name, selected: false) },
            statuses: [SelectOption(value: "", label: req.t("difficulty.all"), selected: chosen == nil)]
                + DifficultyStatus.allCases.map { SelectOption(value: $0.rawValue, label: req.t("difficulty.filter.\($0.rawValue)"), selected: $0 == chosen) },
            errors: errors))
    }

    /// `POST /difficulties`: raised from the web, with an optional photo (JPEG, at most 1 MB).
    static func raise(req: Request) async throws -> Response {
        struct Form: Content {
            var service: String?
            var description: String?
            var photo: File?
        }
        let form = try req.content.decode(Form.self)
        do {
            let photo = form.photo.flatMap { $0.data.readableBytes > 0 ? Data(buffer: $0.data).base64EncodedString() : nil }
            let (d, _) = try await DifficultyService(scope: try req.scope, clock: req.clock).raise(RaiseDifficultyRequest(
                id: nil, service: form.service, description: form.description, photo: photo))
            return req.redirect(to: "/difficulties/\(d.id!.uuidString.lowercased())")
        } catch let error as AppError {
            guard let messages = messages(error, req: req) else { throw error }
            return try await renderIndex(req: req, errors: messages).encodeResponse(status: error.status, for: req)
        }
    }

    static func messages(_ error: AppError, req: Request) -> [String]? {
        switch error {
        case let .invalid(fields): fields.map { req.t("difficulty.field.\($0.field)") + ": " + req.application.catalogue.text($0.key, req.language, $0.args) }
        case let .conflict(f): [req.application.catalogue.text(f.key, req.language, f.args)]
        default: nil
        }
    }

    struct Event: Encodable {
        var text: String
        var who: String
        var when: String
    }

    struct ShowPage: Encodable {
        var layout: Layout
        var id: String
        var service: String
        var description: String
        var askedBy: String
        var unit: String
        var status: String
        var raisedOn: String
        var hasPhoto: Bool
        var events: [Event]
        var canAnswer: Bool
        var canForward: Bool
        var canSolve: Bool
        var canReopen: Bool
        var canPromote: Bool
        var errors: [String]
    }

    static func show(req: Request) async throws -> View {
        try await renderShow(req: req, errors: [])
    }

    static func renderShow(req: Request, errors: [String]) async throws -> View {
        let scope = try req.scope
        let service = DifficultyService(scope: scope, clock: req.clock)
        let d = try await service.find(req.parameters.get("id", as: UUID.self))
        let r = try await service.responses([d])[0]
        let mine = d.raisedBy == scope.actor.userID
        return try await req.view.render("difficulties/show", ShowPage(
            layout: Layout(request: req, title: req.t("difficulty.title")), id: r.id.uuidString.lowercased(),
            service: try await serviceNames(req)[r.service] ?? r.service, description: r.description, askedBy: r.askedBy, unit: r.unit,
            status: status(r, req: req), raisedOn: LocalDate(r.raisedOn)?.vietnamese ?? r.raisedOn, hasPhoto: r.hasPhoto,
            events: r.events.map { e in
                Event(text: req.t("difficulty.event.\(e.kind)") + (e.text.isEmpty ? "" : ": " + e.text), who: e.actor,
                      when: AppClock.shown(e.at))
            },
            canAnswer: service.answers(d) && d.status != .solved, canForward: scope.actor.role == .commune && service.answers(d) && d.status == .open,
            canSolve: (mine || service.answers(d)) && d.status != .solved, canReopen: mine && d.status != .open,
            canPromote: [Role.admin, .province].contains(scope.actor.role) && r.answer != nil, errors: errors))
    }

    /// `POST /difficulties/{id}`: one of the actions, named by `action`.
    static func act(req: Request) async throws -> Response {
        struct Form: Content {
            var action: String?
            var text: String?
        }
        let form = try req.content.decode(Form.self)
        let service = DifficultyService(scope: try req.scope, clock: req.clock)
        let id = req.parameters.get("id", as: UUID.self)
        _ = try await service.find(id)
        do {
            switch form.action {
            case "answer": _ = try await service.answer(id, DifficultyTextRequest(text: form.text))
            case "forward": _ = try await service.forward(id, DifficultyTextRequest(text: form.text))
            case "solve": _ = try await service.solve(id)
            case "reopen": _ = try await service.reopen(id, DifficultyTextRequest(text: form.text))
            case "promote": _ = try await service.promote(id, PromoteDifficultyRequest())
            default: throw AppError.invalid("action", "error.choice", "answer, forward, solve, reopen, promote")
            }
            return req.redirect(to: "/difficulties/\(id!.uuidString.lowercased())")
        } catch let error as AppError {
            guard let messages = messages(error, req: req) else { throw error }
            return try await renderShow(req: req, errors: messages).encodeResponse(status: error.status, for: req)
        }
    }

    struct FAQItem: Encodable {
        var service: String
        var question: String
        var answer: String
    }

    struct FAQPage: Encodable {
        var layout: Layout
        var query: String
        var items: [FAQItem]
    }

    static func faq(req: Request) async throws -> View {
        let q = req.query[String.self, at: "q"] ?? ""
        let names = try await serviceNames(req)
        let entries = try await DifficultyService(scope: try req.scope, clock: req.clock).faq(service: req.query[String.self, at: "service"], query: q)
        return try await req.view.render("difficulties/faq", FAQPage(
            layout: Layout(request: req, title: req.t("faq.title")), query: q,
            items: entries.map { FAQItem(service: names[$0.serviceCode] ?? $0.serviceCode, question: $0.question, answer: $0.answer) }))
    }
}
