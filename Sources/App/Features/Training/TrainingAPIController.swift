import Fluent
import LanToaCore
import Vapor

/// `/api/v1/training/…` and `/api/v1/members/{id}/training`: courses, sessions, attendance (entered or imported) and a
/// member's training record.
enum TrainingAPIController {
    static func service(_ req: Request) throws -> TrainingService { TrainingService(scope: try req.scope, clock: req.clock) }

    static func courses(req: Request) async throws -> [TrainingCourseResponse] {
        let service = try service(req)
        return try await service.responses(try await service.courses(), on: req.db)
    }

    static func createCourse(req: Request) async throws -> Response {
        let service = try service(req)
        let course = try await service.createCourse(try req.content.decode(CreateTrainingCourseRequest.self))
        return try await service.response(course, on: req.db).encodeResponse(status: .created, for: req)
    }

    static func updateCourse(req: Request) async throws -> TrainingCourseResponse {
        let service = try service(req)
        let course = try await service.updateCourse(req.parameters.get("id", as: UUID.self), try req.content.decode(CreateTrainingCourseRequest.self))
        return try await service.response(course, on: req.db)
    }

    static func removeCourse(req: Request) async throws -> HTTPStatus {
        try await service(req).removeCourse(req.parameters.get("id", as: UUID.self))
        return .noContent
    }

    static func sessions(req: Request) async throws -> [TrainingSessionResponse] {
        let service = try service(req)
        return try await service.responses(try await service.sessions(), on: req.db)
    }

    static func createSession(req: Request) async throws -> Response {
        let service = try service(req)
        let session = try await service.createSession(try req.content.decode(CreateTrainingSessionRequest.self))
        return try await service.response(session, on: req.db).encodeResponse(status: .created, for: req)
    }

    static func located(_ req: Request) async throws -> TrainingSession {
        try await service(req).session(req.parameters.get("id", as: UUID.self))
    }

    static func session(req: Request) async throws -> TrainingSessionDetail {
        let service = try service(req)
        let session = try await located(req)
        return TrainingSessionDetail(session: try await service.response(session, on: req.db), attendances: try await service.attendances(session))
    }

    static func updateSession(req: Request) async throws -> TrainingSessionResponse {
        let service = try service(req)
        let session = try await service.updateSession(req.parameters.get("id", as: UUID.self), try req.content.decode(CreateTrainingSessionRequest.self))
        return try await service.response(session, on: req.db)
    }

    static func removeSession(req: Request) async throws -> HTTPStatus {
        try await service(req).removeSession(req.parameters.get("id", as: UUID.self))
        return .noContent
    }

    static func recordAttendance(req: Request) async throws -> TrainingSessionDetail {
        let service = try service(req)
        let session = try await located(req)
        try await service.record(session, try TrainingService.entries(try req.content.decode(TrainingAttendanceRequest.self)))
        return TrainingSessionDetail(session: try await service.response(session, on: req.db), attendances: try await service.attendances(session))
    }

    static func importAttendance(req: Request) async throws -> Response {
        let service = try service(req)
        let session = try await located(req)
        guard let buffer = req.body.data, buffer.readableBytes > 0 else { throw AppError.invalid("body", "error.file_missing") }
        let outcome = try await service.importSheet(session, Data(buffer: buffer), reader: req.tableReader)
        return try await TrainingImportResponse(recorded: outcome.recorded, matched: outcome.matched, unmatched: outcome.unmatched,
                                                session: try await service.response(session, on: req.db))
            .encodeResponse(status: .ok, for: req)
    }

    static func memberRecord(req: Request) async throws -> MemberTrainingResponse {
        try await service(req).memberRecord(req.parameters.get("id", as: UUID.self))
    }
}
