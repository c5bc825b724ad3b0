import Fluent
import LanToaCore
import Vapor

/// The early-warning page of a unit (with its province's thresholds), and the account's tasks and notifications.
enum WarningsController {
    struct Item: Encodable {
        var kind: String
        var detail: String
        var since: String
        var link: String?
    }

    struct Count: Encodable {
        var label: String
        var count: Int
    }

    struct IndexPage: Encodable {
        var layout: Layout
        var unit: String
        var unitCode: String
        var counts: [Count]
        var items: [Item]
        var settings: WarningSettingsResponse?
        var canSet: Bool
        var provinceCode: String
        var errors: [String]
    }

    static func item(_ w: WarningResponse, req: Request) -> Item {
        let link: String? = switch w.kind {
        case .behindPlan: nil
        case .difficultyUnanswered: "/difficulties/\(w.subject.uuidString.lowercased())"
        default: SiteURL.team(w.subject).path
        }
        return Item(kind: req.t("warning.kind.\(w.kind.rawValue)"), detail: w.detail, since: LocalDate(w.openedOn)?.vietnamese ?? w.openedOn, link: link)
    }

    static func index(req: Request) async throws -> View {
        try await render(req: req, errors: [])
    }

    static func render(req: Request, errors: [String]) async throws -> View {
        let scope = try req.scope
        var code = req.query[String.self, at: "unit"]
        if code == nil { code = try await ownCode(scope, req) }
        let list = try await WarningService(scope: scope, clock: req.clock).list(unit: code)
        let provincePath = EarlyWarnings.provincePath(try await DashboardService(scope: scope, clock: req.clock)
            .place(code: list.unit.code, asOf: req.clock.today()).path)
        let province = try await Rollups.lastID(provincePath).asyncMap { try await Unit.find($0, on: req.db) }
        let page = IndexPage(
            layout: Layout(request: req, title: req.t("warning.title")), unit: list.unit.name, unitCode: list.unit.code,
            counts: WarningKind.allCases.map { Count(label: req.t("warning.kind.\($0.rawValue)"), count: list.counts[$0.rawValue] ?? 0) },
            items: list.items.map { item($0, req: req) }, settings: list.settings,
            canSet: province.map { (try? scope.authorize(.setTargets, at: $0.path)) != nil } ?? false, provinceCode: province?.code ?? "",
            errors: errors)
        return try await req.view.render("warnings/index", page)
    }

    static func ownCode(_ scope: Scope, _ req: Request) async throws -> String? {
        guard let id = Rollups.lastID(scope.actor.scopePath) else { return nil }
        return try await Unit.find(id, on: req.db)?.code
    }

    /// `POST /warnings/settings`: a province's thresholds, from its warnings page.
    static func updateSettings(req: Request) async throws -> Response {
        struct Form: Content {
            var province: String?
            var idleDays: String?
            var noncompliantDays: String?
            var untrainedAfterDays: String?
            var planPercent: String?
            var unansweredDays: String?
        }
        let form = try req.content.decode(Form.self)
        func number(_ text: String?) -> Int? { Int((text ?? "").trimmingWhitespace()) }
        do {
            let service = WarningService(scope: try req.scope, clock: req.clock)
            _ = try await service.update(try await service.provinceToUpdate(code: form.province ?? ""), WarningSettingsRequest(
                idleDays: number(form.idleDays), noncompliantDays: number(form.noncompliantDays),
                untrainedAfterDays: number(form.untrainedAfterDays), planPercent: number(form.planPercent),
                unansweredDays: number(form.unansweredDays)))
            return req.redirect(to: "/warnings?unit=\(SiteURL.encode(form.province ?? ""))")
        } catch let error as AppError {
            guard case let .invalid(fields) = error else { throw error }
            let messages = fields.map { f in req.t("warning.setting.\(f.field)") + ": " + req.application.catalogue.text(f.key, req.language, f.args) }
            return try await render(req: req, errors: messages).encodeResponse(status: error.status, for: req)
        }
    }

    struct Note: Encodable {
        var message: String
        var when: String
        var unread: Bool
    }

    struct NotificationsPage: Encodable {
        var layout: Layout
        var tasks: [Item]
        var notes: [Note]
    }

    /// `GET /notifications`: the account's open tasks and its messages; those shown are marked read.
    static func notifications(req: Request) async throws -> View {
        let service = WarningService(scope: try req.scope, clock: req.clock)
        let tasks = try await service.tasks()
        let messages = try await service.notifications()
        try await service.markRead(messages.filter { $0.readAt == nil }.map { $0.id! })
        return try await req.view.render("warnings/notifications", NotificationsPage(
            layout: Layout(request: req, title: req.t("notification.title")), tasks: tasks.map { item($0, req: req) },
            notes: messages.map { Note(message: $0.message, when: AppClock.shown($0.createdAt), unread: $0.readAt == nil) }))
    }
}
