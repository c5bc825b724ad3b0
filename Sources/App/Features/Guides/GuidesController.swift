import Fluent
import LanToaCore
import Vapor

/// The pages of the guides library: the list (by service, searchable), one guide (any version) laid out for a 360-px
/// phone, and the form that writes a guide, a new version, or a province's own version of a national guide.
enum GuidesController {
    struct Item: Encodable {
        var link: String
        var title: String
        var service: String
        var unit: String
        var version: Int
    }

    struct IndexPage: Encodable {
        var layout: Layout
        var items: [Item]
        var query: String
        var canWrite: Bool
    }

    static func serviceNames(_ req: Request) async throws -> [String: String] {
        Dictionary(try await (try req.scope).query(ServiceRecord.self).all().map { ($0.code, req.language == .en ? $0.nameEn : $0.name) },
                   uniquingKeysWith: { a, _ in a })
    }

    static func index(req: Request) async throws -> View {
        let service = GuidesAPIController.service
        let query = req.query[String.self, at: "q"] ?? ""
        let list = try await service(req).list(service: req.query[String.self, at: "service"], query: query)
        let names = try await serviceNames(req)
        return try await req.view.render("guides/index", IndexPage(
            layout: Layout(request: req, title: req.t("guide.title")),
            items: list.map { g in
                Item(link: "/guides/\(g.id!.uuidString.lowercased())", title: g.title, service: names[g.serviceCode] ?? g.serviceCode, unit: g.unitName,
                     version: g.version)
            },
            query: query, canWrite: try service(req).canWrite))
    }

    struct Step: Encodable {
        var number: Int
        var text: String
        var image: String?
    }

    struct ShowPage: Encodable {
        var layout: Layout
        var id: String
        var title: String
        var service: String
        var serviceCode: String
        var unit: String
        var version: Int
        var latest: Int
        var author: String
        var when: String
        var steps: [Step]
        var versions: [Item]
        var adapted: String?
        /// On a province's version: the national guide's newer version, which the province has not written from yet.
        var newerNational: Int?
        var canEdit: Bool
        var canAdapt: Bool
    }

    static func show(req: Request) async throws -> View {
        let service = try GuidesAPIController.service(req)
        let guide = try await service.find(req.parameters.get("id", as: UUID.self))
        let v = try await service.version(of: guide, req.query[Int.self, at: "version"])
        let names = try await serviceNames(req)
        let link = "/guides/\(guide.id!.uuidString.lowercased())"
        return try await req.view.render("guides/show", ShowPage(
            layout: Layout(request: req, title: v.title), id: guide.id!.uuidString.lowercased(), title: v.title,
            service: names[guide.serviceCode] ?? guide.serviceCode, serviceCode: guide.serviceCode, unit: guide.unitName, version: v.version,
            latest: guide.version, author: v.author, when: AppClock.shown(v.createdAt),
            steps: v.steps.enumerated().map { Step(number: $0.offset + 1, text: $0.element.text,
                                                   image: $0.element.image.map { "/guides/images/\($0.uuidString.lowercased())" }) },
            versions: try await service.versions(of: guide).map {
                Item(link: link + "?version=\($0.version)", title: $0.title, service: AppClock.shown($0.createdAt), unit: $0.author, version: $0.version)
            },
            adapted: guide.adaptsID.map { "/guides/\($0.uuidString.lowercased())" }, newerNational: try await service.newerNational(than: guide)?.version,
            canEdit: service.canEdit(guide), canAdapt: try await service.canAdapt(guide)))
    }

    // MARK: the form

    struct FormStep: Encodable {
        var index: Int
        var number: Int
        var text: String
        var keep: String?
        var image: String?
    }

    struct FormPage: Encodable {
        var layout: Layout
        var action: String
        var title: String
        var service: String
        var services: [SelectOption]
        var serviceFixed: Bool
        var adapts: String?
        var steps: [FormStep]
        var errors: [String]
        var imageLimit: Int
    }

    /// `GET /guides/new` (`?adapts=` a national guide, whose steps and pictures it starts from).
    static func new(req: Request) async throws -> View {
        let service = try GuidesAPIController.service(req)
        guard service.canWrite else { throw AppError.forbidden }
        if let adapts = req.query[UUID.self, at: "adapts"] {
            let national = try await service.find(adapts)
            let v = try await service.version(of: national, nil)
            return try await form(req, action: "/guides", title: v.title, service: national.serviceCode, fixed: true, adapts: adapts,
                                  steps: v.steps.map { ($0.text, $0.image) }, errors: [])
        }
        return try await form(req, action: "/guides", title: "", service: "", fixed: false, adapts: nil, steps: [], errors: [])
    }

    static func edit(req: Request) async throws -> View {
        let service = try GuidesAPIController.service(req)
        let guide = try await service.find(req.parameters.get("id", as: UUID.self))
        guard service.canEdit(guide) else { throw AppError.forbidden }
        let v = try await service.version(of: guide, nil)
        return try await form(req, action: "/guides/\(guide.id!.uuidString.lowercased())", title: v.title, service: guide.serviceCode,
                              fixed: guide.adaptsID != nil, adapts: nil, steps: v.steps.map { ($0.text, $0.image) }, errors: [])
    }

    static func form(_ req: Request, action: String, title: String, service: String, fixed: Bool, adapts: UUID?,
                     steps: [(text: String, image: UUID?)], errors: [String]) async throws -> View {
        let services = try await (try req.scope).query(ServiceRecord.self).filter(\.$active == true).sort(\.$code).all()
        // Three empty rows beyond the steps (six for a new guide), up to the limit.
        let rows = min(GuideService.stepLimit, max(steps.count + 3, 6))
        return try await req.view.render("guides/form", FormPage(
            layout: Layout(request: req, title: req.t(action == "/guides" ? "guide.new" : "guide.edit")), action: action, title: title,
            service: service,
            services: services.map { SelectOption(value: $0.code, label: req.language == .en ? $0.nameEn : $0.name, selected: $0.code == service) },
            serviceFixed: fixed, adapts: adapts?.uuidString.lowercased(),
            steps: (0..<rows).map { i in
                let s = i < steps.count ? steps[i] : nil
                let keep = s?.image?.uuidString.lowercased()
                return FormStep(index: i, number: i + 1, text: s?.text ?? "", keep: keep, image: keep.map { "/guides/images/\($0)" })
            },
            errors: errors, imageLimit: GuideService.imageLimit))
    }

    struct StepForm: Decodable {
        var text: String?
        var image: File?
        var keep: String?
        var drop: String?
    }

    struct Form: Decodable {
        var title: String?
        var service: String?
        var adapts: String?
        var steps: [StepForm]?
    }

    static func create(req: Request) async throws -> Response { try await save(req, id: nil) }

    static func update(req: Request) async throws -> Response { try await save(req, id: req.parameters.get("id", as: UUID.self) ?? UUID()) }

    /// Rows left empty (no text, no picture, new or kept) are not steps; a kept picture goes unless "drop" is ticked.
    private static func save(_ req: Request, id: UUID?) async throws -> Response {
        let input = try req.content.decode(Form.self)
        let rows = (input.steps ?? []).filter { s in
            !(s.text ?? "").trimmingWhitespace().isEmpty || (s.image?.data.readableBytes ?? 0) > 0 || (s.keep != nil && s.drop == nil)
        }
        let steps = rows.map { s in
            let data = s.image.flatMap { $0.data.readableBytes > 0 ? Data(buffer: $0.data) : nil }
            return GuideService.StepInput(text: s.text, image: data, keepImage: s.drop == nil ? s.keep.flatMap(UUID.init(uuidString:)) : nil)
        }
        let adapts = input.adapts.flatMap(UUID.init(uuidString:))
        do {
            let guide = try await GuidesAPIController.service(req).publish(id, service: input.service, title: input.title, adapts: adapts, steps: steps)
            return req.redirect(to: "/guides/\(guide.id!.uuidString.lowercased())")
        } catch let error as AppError {
            guard let fields = error.fieldProblems else { throw error }
            var messages = fields.map { p in
                GuidesController.label(req, p.field) + ": " + req.application.catalogue.text(p.key, req.language, p.args)
            }
            // A browser never sends a chosen file again: say so rather than lose it quietly.
            if steps.contains(where: { $0.image != nil }) { messages.append(req.t("guide.choose_again")) }
            let kept = rows.map { s -> (text: String, image: UUID?) in
                (s.text ?? "", s.drop == nil ? s.keep.flatMap(UUID.init(uuidString:)) : nil)
            }
            let adapted: Bool = if let id { (try? await GuidesAPIController.service(req).find(id))?.adaptsID != nil } else { adapts != nil }
            return try await GuidesController.form(req, action: id.map { "/guides/\($0.uuidString.lowercased())" } ?? "/guides", title: input.title ?? "",
                                  service: input.service ?? "", fixed: adapted, adapts: adapts, steps: kept, errors: messages)
                .encodeResponse(status: error.status, for: req)
        }
    }

    /// A field's name on the page: "Bước 3 · ảnh" for `steps[2].image`.
    static func label(_ req: Request, _ field: String) -> String {
        guard field.hasPrefix("steps["), let close = field.firstIndex(of: "]"),
              let index = Int(field[field.index(field.startIndex, offsetBy: 6)..<close]) else { return req.t("guide.field.\(field)") }
        let part = field[field.index(after: close)...].dropFirst()
        return req.t("guide.field.step") + " \(index + 1)" + (part.isEmpty ? "" : " · " + req.t("guide.field.\(part)"))
    }
}
