import Fluent
import LanToaCore
import Vapor

/// `/api/v1/guides`: the guides library: the guides the caller reads, one guide (any version), publishing a guide or a
/// new version of one, and the steps' pictures.
enum GuidesAPIController {
    static func service(_ req: Request) throws -> GuideService { GuideService(scope: try req.scope, clock: req.clock) }

    static func list(req: Request) async throws -> [GuideSummary] {
        let service = try service(req)
        return try await service.list(service: req.query[String.self, at: "service"], query: req.query[String.self, at: "q"]).map(service.summary)
    }

    static func show(req: Request) async throws -> GuideResponse {
        let service = try service(req)
        let guide = try await service.find(req.parameters.get("id", as: UUID.self))
        var number: Int?
        if let raw = req.query[String.self, at: "version"], !raw.isEmpty {
            guard let n = Int(raw), n > 0 else { throw AppError.invalid("version", "error.whole_number") }
            number = n
        }
        return service.response(guide, try await service.version(of: guide, number), versions: try await service.versions(of: guide))
    }

    static func create(req: Request) async throws -> Response {
        try await publish(req, id: nil).encodeResponse(status: .created, for: req)
    }

    static func update(req: Request) async throws -> GuideResponse {
        try await publish(req, id: req.parameters.get("id", as: UUID.self) ?? UUID())
    }

    private static func publish(_ req: Request, id: UUID?) async throws -> GuideResponse {
        let service = try service(req)
        let body = try req.content.decode(GuideRequest.self)
        let steps = (body.steps ?? []).map { s in
            let data = s.image.flatMap { $0.isEmpty ? nil : Data(base64Encoded: $0, options: .ignoreUnknownCharacters) }
            return GuideService.StepInput(text: s.text, image: data, keepImage: s.keepImage,
                                          unreadableImage: !(s.image ?? "").isEmpty && data == nil)
        }
        let guide = try await service.publish(id, service: body.service, title: body.title, adapts: body.adapts, steps: steps)
        return service.response(guide, try await service.version(of: guide, nil), versions: try await service.versions(of: guide))
    }

    /// A step's picture: it never changes, so it may be kept as long as wanted.
    static func image(req: Request) async throws -> Response {
        let image = try await service(req).image(req.parameters.get("id", as: UUID.self))
        let response = Response(status: .ok, body: .init(data: image.content))
        response.headers.replaceOrAdd(name: .contentType, value: "image/jpeg")
        response.headers.replaceOrAdd(name: .cacheControl, value: "private, max-age=31536000, immutable")
        return response
    }
}
