import Fluent
import LanToaCore
import Vapor

/// `/api/v1/warnings`, `/api/v1/tasks`, `/api/v1/notifications` and a province's warning settings.
enum WarningsAPIController {
    static func service(_ req: Request) throws -> WarningService { WarningService(scope: try req.scope, clock: req.clock) }

    static func list(req: Request) async throws -> WarningListResponse {
        try await service(req).list(unit: req.query[String.self, at: "unit"])
    }

    static func tasks(req: Request) async throws -> [WarningResponse] {
        try await service(req).tasks()
    }

    static func settings(req: Request) async throws -> WarningSettingsResponse {
        WarningService.response(try await service(req).settings(code: try req.parameters.require("code")))
    }

    static func updateSettings(req: Request) async throws -> WarningSettingsResponse {
        let service = try service(req)
        let province = try await service.provinceToUpdate(code: try req.parameters.require("code"))
        return WarningService.response(try await service.update(province, try req.content.decode(WarningSettingsRequest.self)))
    }

    static func notifications(req: Request) async throws -> [NotificationResponse] {
        try await service(req).notifications().map(WarningService.response)
    }

    static func markRead(req: Request) async throws -> HTTPStatus {
        try await service(req).markRead(req.parameters.get("id", as: UUID.self))
        return .noContent
    }
}
