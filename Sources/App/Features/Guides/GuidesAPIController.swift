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
            guard let n = Int(raw), n > 0 else { throw AppError.invalid("version", "error.guide_version") }
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
            // Strict base64: text that decodes to nothing is a picture that cannot be read, not a step without one.
            let text = (s.image ?? "").trimmingWhitespace()
            let data = text.isEmpty ? nil : Data(base64Encoded: text).flatMap { $0.isEmpty ? nil : $0 }
            return GuideService.StepInput(text: s.text, image: data, keepImage: s.keepImage, unreadableImage: !text.isEmpty && data == nil)
        }
        let guide = try await service.publish(id, service: body.service, title: body.title, adapts: body.adapts, steps: steps)
        return service.response(guide, try await service.version(of: guide, nil), versions: try await service.versions(of: guide))
    }

    /// A step's picture. Like every answer it is not kept by the browser (`no-store`): the phone app keeps its own copy
    /// of the guides it reads offline, which signing out removes.
    static func image(req: Request) async throws -> Response {
        let image = try await service(req).image(req.parameters.get("id", as: UUID.self))
        let response = Response(status: .ok, body: .init(data: image.content))
        response.headers.replaceOrAdd(name: .contentType, value: "image/jpeg")
        return response
    }
}
