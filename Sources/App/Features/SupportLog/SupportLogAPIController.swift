import Fluent
import LanToaCore
import Vapor

/// `/api/v1/services` (the catalogue of digital services), `/api/v1/sync` (a phone's batches and its working set).
enum SupportLogAPIController {
    static func services(req: Request) async throws -> [ServiceResponse] {
        let s = try req.supportLog
        return try await s.services().map(s.response)
    }

    static func createService(req: Request) async throws -> Response {
        let s = try req.supportLog
        let record = try await s.addProvinceService(try req.content.decode(CreateServiceRequest.self))
        return try await s.response(record).encodeResponse(status: .created, for: req)
    }

    static func sync(req: Request) async throws -> SyncResponse {
        let batch = try req.content.decode(SyncRequest.self)
        let response = try await req.supportLog.sync(batch) { req.application.catalogue.text($0.key, req.language, $0.args) }
        req.application.metrics.synced(response.results)
        return response
    }

    static func pull(req: Request) async throws -> WorkingSetResponse {
        let page = try req.page()
        let s = try req.supportLog
        let since = req.query[String.self, at: "since"]
        let set = try await s.workingSet(since: since, limit: page.limit)
        // A full download is audited; the small incremental pulls a phone makes all day are not.
        if since?.isEmpty ?? true {
            try await req.application.personalDataReads.record(s.scope, clock: req.clock, action: .read, entity: "working_set",
                                                               unitPath: s.scope.actor.scopePath,
                                                               summary: "\(set.households.count) hộ, \(set.residents.count) người")
        }
        return set
    }
}
