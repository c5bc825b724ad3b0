import Fluent
import Foundation
import LanToaCore
import SQLKit

/// Residents and households as the API answers them, with the services done, in a fixed number of queries.
extension SupportLogService {
    func residentResponses(_ residents: [Resident]) async throws -> [ResidentResponse] {
        let ids = residents.compactMap(\.id)
        var done: [UUID: [String: String]] = [:]
        for chunk in ids.chunked(500) {
            for s in try await scope.query(ServiceStatus.self).filter(\.$subjectID ~~ Array(chunk)).all() {
                done[s.subjectID, default: [:]][s.serviceCode] = s.firstDoneOn
            }
        }
        let hamletIDs = Array(Set(residents.map(\.hamletID)))
        let codes = Dictionary(try await Unit.query(on: scope.db).filter(\.$id ~~ hamletIDs).all().map { ($0.id!, $0.code) }, uniquingKeysWith: { a, _ in a })
        return residents.map { r in
            ResidentResponse(id: r.id!, household: r.householdID, hamlet: codes[r.hamletID] ?? "", fullName: r.fullName, gender: r.gender,
                             birthYear: r.birthYear, cccd: r.cccdMasked, phone: r.phone, hasSmartphone: r.hasSmartphone,
                             consentOn: r.consentOn, erased: r.erasedAt != nil, done: done[r.id!] ?? [:])
        }
    }

    func householdResponses(_ households: [Household]) async throws -> [HouseholdResponse] {
        let hamletIDs = Array(Set(households.map(\.hamletID)))
        let codes = Dictionary(try await Unit.query(on: scope.db).filter(\.$id ~~ hamletIDs).all().map { ($0.id!, $0.code) }, uniquingKeysWith: { a, _ in a })
        return households.map { HouseholdResponse(id: $0.id!, hamlet: codes[$0.hamletID] ?? "", address: $0.address, headName: $0.headName, phone: $0.phone) }
    }
}
