import Foundation
import NIOConcurrencyHelpers
import Vapor

/// Paces and records reads of personal data in bulk: each account may make `perMinute` such reads a minute (a
/// sliding window kept in memory per server), and each read is written to the audit trail with what was read, never
/// the data itself.
final class PersonalDataReads: Sendable {
    /// Reads an account may make in one minute: a busy commune official paging through a list makes a few dozen.
    static let perMinute = 60

    private let recent = NIOLockedValueBox<[String: [Date]]>([:])

    /// Refuses with 429 when the account has read `perMinute` times in the last minute.
    func admit(_ actor: Actor, at now: Date) throws {
        let key = actor.userID?.uuidString ?? actor.login
        let wait: Int? = recent.withLockedValue { all in
            var times = (all[key] ?? []).filter { now.timeIntervalSince($0) < 60 }
            defer { all[key] = times }
            guard times.count < Self.perMinute else { return Int(60 - now.timeIntervalSince(times[0])) + 1 }
            times.append(now)
            return nil
        }
        if let wait { throw AppError.tooManyReads(seconds: wait) }
    }

    /// Admits the read, then audits it as `action` on `what` in the unit `unitPath`.
    func record(_ scope: Scope, clock: AppClock, action: AuditLog.Action, entity: String, unitPath: String, summary: String) async throws {
        try admit(scope.actor, at: clock.now())
        try await AuditLog.record(on: scope.db, actor: scope.actor, at: clock.now(), action: action, entity: entity, entityID: nil,
                                  unitPath: unitPath, summary: summary, before: Nothing?.none, after: Nothing?.none)
    }
}

extension Application {
    private struct ReadsKey: StorageKey {
        typealias Value = PersonalDataReads
    }

    var personalDataReads: PersonalDataReads {
        if let existing = storage[ReadsKey.self] { return existing }
        let reads = PersonalDataReads()
        storage[ReadsKey.self] = reads
        return reads
    }
}
