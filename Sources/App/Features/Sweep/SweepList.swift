import Fluent
import Foundation
import LanToaCore
import SQLKit

/// Sweep lists (rà từng người): who still needs a service, by household.
extension SupportLogService {
    /// The sweep list: the eligible residents (or households, for household services) of a unit's subtree who do not
    /// have the service done yet, grouped by household and ordered by address, with progress.
    func sweep(unit: Unit, serviceCode: String) async throws -> SweepResponse {
        try await sweeps(of: [unit], within: unit, serviceCode: serviceCode)[0]
    }

    /// The sweep lists of several units under `within` (the hamlets of a commune, for the printed sheets), read in one
    /// pass over `within`'s subtree: the same few queries whatever the number of hamlets.
    func sweeps(of units: [Unit], within parent: Unit, serviceCode: String) async throws -> [SweepResponse] {
        try scope.authorize(.readPersonalData)
        guard let record = try await services().first(where: { $0.code == serviceCode }) else {
            throw AppError.invalid("service", "error.unknown_service", serviceCode)
        }
        try scope.authorizeReading(unitAt: parent.path)
        let service = record.service
        let year = clock.today().year
        let done = Set(try await scope.query(ServiceStatus.self).under(parent.path, \.$unitPath).filter(\.$serviceCode == service.code)
            .all(\.$subjectID))
        let households = try await scope.query(Household.self).under(parent.path, \.$unitPath).all()
        let residents = service.unit == .household ? []
            : try await scope.query(Resident.self).under(parent.path, \.$unitPath).filter(\.$mergedInto == nil).all()
        return units.map { unit in
            list(unit: unit, record: record, year: year, done: done, households: households.filter { $0.unitPath.hasPrefix(unit.path) },
                 residents: residents.filter { $0.unitPath.hasPrefix(unit.path) })
        }
    }

    private func list(unit: Unit, record: ServiceRecord, year: Int, done: Set<UUID>, households: [Household], residents: [Resident]) -> SweepResponse {
        let service = record.service
        let byID = Dictionary(households.map { ($0.id!, $0) }, uniquingKeysWith: { a, _ in a })
        var eligible = 0
        var doneCount = 0
        var groups: [UUID?: [SweepResident]] = [:]
        if service.unit == .household {
            for h in households {
                eligible += 1
                if done.contains(h.id!) { doneCount += 1 } else { groups[h.id, default: []] = [] }
            }
        } else {
            for r in residents where service.isEligible(birthYear: r.birthYear, in: year) {
                // An erased resident still counts where the service was done (figures do not change), and is
                // otherwise left out: nobody can be visited without a name.
                if r.erasedAt != nil, !done.contains(r.id!) { continue }
                eligible += 1
                if done.contains(r.id!) { doneCount += 1; continue }
                groups[r.householdID, default: []].append(SweepResident(id: r.id!, fullName: r.fullName, birthYear: r.birthYear,
                                                                         gender: r.gender, hasSmartphone: r.hasSmartphone))
            }
        }
        let list = groups.map { id, residents in
            SweepHousehold(id: id, address: id.flatMap { byID[$0]?.address } ?? "", headName: id.flatMap { byID[$0]?.headName } ?? "",
                           residents: residents.sorted { $0.fullName < $1.fullName })
        }.sorted { a, b in
            // By address as people read it ("Số 2" before "Số 10"); residents without a household last.
            if a.address.isEmpty != b.address.isEmpty { return !a.address.isEmpty }
            return a.address.localizedStandardCompare(b.address) == .orderedAscending
        }
        return SweepResponse(unit: UnitRef(code: unit.code, name: unit.name, tier: unit.tier), service: response(record),
                             eligible: eligible, done: doneCount, households: list)
    }
}
