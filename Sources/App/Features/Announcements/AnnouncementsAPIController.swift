import Fluent
import LanToaCore
import Vapor

/// `/api/v1/announcements`: notices and good practices of the caller's line and area, posting one, reading one (with
/// its read receipts), marking it read, its attachment.
enum AnnouncementsAPIController {
    static func service(_ req: Request) throws -> AnnouncementService { AnnouncementService(scope: try req.scope, clock: req.clock) }

    static func list(req: Request) async throws -> [AnnouncementResponse] {
        let service = try service(req)
        let list = try await service.list()
        let read = try await service.readIDs(list)
        return list.map { service.response($0, read: read.contains($0.id!)) }
    }

    static func post(req: Request) async throws -> Response {
        let service = try service(req)
        let body = try req.content.decode(PostAnnouncementRequest.self)
        let a = try await service.post(kind: body.kind, title: body.title, body: body.body, unit: body.unit, attachment: nil)
        return try await service.response(a, read: false).encodeResponse(status: .created, for: req)
    }

    static func show(req: Request) async throws -> AnnouncementResponse {
        let service = try service(req)
        let a = try await service.find(req.parameters.get("id", as: UUID.self))
        return service.response(a, read: try await service.readIDs([a]).contains(a.id!), readers: try await service.readers(a))
    }

    static func markRead(req: Request) async throws -> HTTPStatus {
        let service = try service(req)
        try await service.markRead(try await service.find(req.parameters.get("id", as: UUID.self)))
        return .noContent
    }

    static func attachment(req: Request) async throws -> Response {
        let (name, file) = try await service(req).attachment(req.parameters.get("id", as: UUID.self))
        let response = Response(status: .ok, body: .init(data: file.content))
        response.headers.replaceOrAdd(name: .contentType, value: file.contentType)
        response.headers.contentDisposition = .init(.attachment, filename: name)
        return response
    }
}
