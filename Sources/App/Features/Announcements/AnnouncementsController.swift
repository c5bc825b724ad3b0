import Fluent
import LanToaCore
import Vapor

/// The pages of notices and good practices: the list with the form that posts one, and one announcement (opening it
/// marks it read; its author's tier sees who read it).
enum AnnouncementsController {
    struct Item: Encodable {
        var link: String
        var kind: String
        var title: String
        var unit: String
        var when: String
        var unread: Bool
    }

    struct IndexPage: Encodable {
        var layout: Layout
        var items: [Item]
        var canPost: Bool
        var errors: [String]
    }

    static func index(req: Request) async throws -> View {
        try await render(req: req, errors: [])
    }

    static func render(req: Request, errors: [String]) async throws -> View {
        let service = AnnouncementService(scope: try req.scope, clock: req.clock)
        let list = try await service.list()
        let read = try await service.readIDs(list)
        return try await req.view.render("announcements/index", IndexPage(
            layout: Layout(request: req, title: req.t("announcement.title")),
            items: list.map { a in
                Item(link: "/announcements/\(a.id!.uuidString.lowercased())", kind: req.t("announcement.kind.\(a.kind.rawValue)"), title: a.title,
                     unit: a.unitName, when: AppClock.shown(a.createdAt), unread: !read.contains(a.id!))
            },
            canPost: (try req.scope).actor.role.managesUnitsAndTeams, errors: errors))
    }

    /// `POST /announcements`: posted from the page, with an optional attachment (PDF, image, Word or Excel, at most 5 MB).
    static func post(req: Request) async throws -> Response {
        struct Form: Content {
            var kind: String?
            var title: String?
            var body: String?
            var unit: String?
            var attachment: File?
        }
        let form = try req.content.decode(Form.self)
        do {
            let file = form.attachment.flatMap { f -> AnnouncementService.Attachment? in
                guard f.data.readableBytes > 0 else { return nil }
                return AnnouncementService.Attachment(name: f.filename, contentType: f.contentType?.serialize() ?? "", data: Data(buffer: f.data))
            }
            let a = try await AnnouncementService(scope: try req.scope, clock: req.clock).post(kind: form.kind, title: form.title, body: form.body,
                                                                                             unit: form.unit, attachment: file)
            return req.redirect(to: "/announcements/\(a.id!.uuidString.lowercased())")
        } catch let error as AppError {
            guard case let .invalid(fields) = error else { throw error }
            let messages = fields.map { req.t("announcement.field.\($0.field)") + ": " + req.application.catalogue.text($0.key, req.language, $0.args) }
            return try await render(req: req, errors: messages).encodeResponse(status: error.status, for: req)
        }
    }

    struct ShowPage: Encodable {
        var layout: Layout
        var id: String
        var kind: String
        var title: String
        var body: String
        var unit: String
        var author: String
        var when: String
        var attachment: String?
        var recipients: Int
        var readCount: Int
        var readers: [String]
    }

    static func show(req: Request) async throws -> View {
        let service = AnnouncementService(scope: try req.scope, clock: req.clock)
        let a = try await service.find(req.parameters.get("id", as: UUID.self))
        try await service.markRead(a)
        let readers = try await service.readers(a)
        return try await req.view.render("announcements/show", ShowPage(
            layout: Layout(request: req, title: a.title), id: a.id!.uuidString.lowercased(), kind: req.t("announcement.kind.\(a.kind.rawValue)"),
            title: a.title, body: a.body, unit: a.unitName, author: a.author, when: AppClock.shown(a.createdAt),
            attachment: a.attachmentName.isEmpty ? nil : a.attachmentName, recipients: a.recipients, readCount: readers.count, readers: readers.names))
    }
}
