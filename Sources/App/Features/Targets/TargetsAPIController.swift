import Fluent
import LanToaCore
import Vapor

/// `/api/v1/targets`: read, set and split targets (chỉ tiêu).
enum TargetsAPIController {
    static func listTargets(req: Request) async throws -> TargetsResponse {
        try await req.targetService.list(unit: req.query[String.self, at: "unit"], indicator: req.query[String.self, at: "indicator"],
                                    period: req.query[String.self, at: "period"])
    }

    static func setTarget(req: Request) async throws -> TargetResponse {
        try await req.targetService.set(try req.content.decode(SetTargetRequest.self))
    }

    static func splitTarget(req: Request) async throws -> TargetsResponse {
        try await req.targetService.split(try req.content.decode(SplitTargetRequest.self))
    }
}
