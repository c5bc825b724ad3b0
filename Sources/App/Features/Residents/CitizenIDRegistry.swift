import Fluent
import Foundation
import LanToaCore

/// One person, one record (một người, một hồ sơ): a CCCD number is recorded once in the whole country. Whoever records
/// it again is told so; inside their own area they are told which resident holds it, outside it only that it is
/// recorded elsewhere and that the commune can help, and nothing more.
struct CitizenIDRegistry {
    let scope: Scope

    /// Who already holds a number, as the actor may be told.
    enum Holder: Equatable {
        /// A resident in the actor's area.
        case inScope(id: UUID, name: String)
        /// A resident elsewhere: nothing else is said.
        case elsewhere
    }

    /// The holders of these look-up hashes (looked up across the country, told as the actor may hear it).
    func holders(of hashes: some Collection<String>, excluding: UUID? = nil) async throws -> [String: Holder] {
        let wanted = Array(Set(hashes.filter { !$0.isEmpty }))
        guard !wanted.isEmpty else { return [:] }
        var found: [String: Holder] = [:]
        for chunk in wanted.chunked(500) {
            for r in try await Resident.query(on: scope.db).filter(\.$cccdHash ~~ chunk).all() where r.id != excluding {
                found[r.cccdHash] = scope.contains(path: r.unitPath) ? .inScope(id: r.id!, name: r.fullName) : .elsewhere
            }
        }
        return found
    }

    /// The problem naming the `cccd` field for a number already held.
    static func problem(_ holder: Holder) -> FieldProblem {
        switch holder {
        case let .inScope(id, name): FieldProblem("cccd", "error.cccd_taken", name, id.uuidString.lowercased())
        case .elsewhere: FieldProblem("cccd", "error.cccd_elsewhere")
        }
    }
}
