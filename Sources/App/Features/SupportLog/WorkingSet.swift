import Fluent
import Foundation
import LanToaCore
import SQLKit

/// A phone's working set: the households and residents of its area changed since its cursor.
extension SupportLogService {
    /// The working set of a phone: households and residents of the actor's subtree changed since `cursor`
    /// (a timestamp), at most `limit` of each; `complete` says whether more remain.
    func workingSet(since cursor: String?, limit: Int) async throws -> WorkingSetResponse {
        try scope.authorize(.readPersonalData)
        var since = Date(timeIntervalSince1970: 0)
        if let cursor, !cursor.isEmpty {
            guard let seconds = Double(cursor) else { throw AppError.invalid("since", "error.cursor") }
            since = Date(timeIntervalSince1970: seconds)
        }
        let households = try await scope.query(Household.self).filter(\.$updatedAt > since).sort(\.$updatedAt).limit(limit).all()
        let residents = try await scope.query(Resident.self).filter(\.$updatedAt > since).sort(\.$updatedAt).limit(limit).all()
        let latest = (households.compactMap(\.updatedAt) + residents.compactMap(\.updatedAt)).max() ?? since
        // The cursor only moves as far as both lists are complete, so nothing is skipped.
        var next = latest
        if households.count == limit, let last = households.last?.updatedAt { next = min(next, last) }
        if residents.count == limit, let last = residents.last?.updatedAt { next = min(next, last) }
        let hamlets = try await scope.query(Unit.self).filter(\.$tier == .hamlet).under(scope.actor.scopePath, \.$path)
            .filter(\.$validTo >= clock.today().iso).sort(\.$code).limit(500).all()
        return WorkingSetResponse(hamlets: hamlets.map { UnitRef(code: $0.code, name: $0.name, tier: $0.tier) },
                                  households: try await householdResponses(households), residents: try await residentResponses(residents),
                                  // Half a microsecond on: stored times are read back rounded to the microsecond.
                                  services: try await services().map(response), cursor: String(next.timeIntervalSince1970 + 0.0000005),
                                  complete: households.count < limit && residents.count < limit,
                                  serverTime: clock.now().timeIntervalSince1970)
    }
}
