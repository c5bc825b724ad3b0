import Fluent
import Foundation
import LanToaCore
import SQLKit

/// The catalogue of digital services (dịch vụ số): the national list and a province's own.
extension SupportLogService {
    func services() async throws -> [ServiceRecord] {
        try await scope.query(ServiceRecord.self).filter(\.$active == true).sort(\.$pillar).sort(\.$code).all()
    }

    /// Adds a province's own service (e.g. "Công dân số Xứ Lạng"), visible only within the province.
    func addProvinceService(_ request: CreateServiceRequest) async throws -> ServiceRecord {
        var problems = Problems()
        let code = (request.code ?? "").trimmingWhitespace().lowercased()
        if code.isEmpty || code.count > 40 || !code.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) {
            problems.add("code", "error.service_code")
        }
        let name = TeamImport.normaliseName(request.name ?? "")
        if name.isEmpty { problems.add("name", "error.required") }
        let pillar = request.pillar.flatMap(Pillar.init(rawValue:))
        if pillar == nil { problems.add("pillar", "error.choice", Pillar.allCases.map(\.rawValue).joined(separator: ", ")) }
        let unit = request.unit.map { ServiceUnit(rawValue: $0) } ?? .person
        if unit == nil { problems.add("unit", "error.choice", "person, household") }
        let age = request.minimumAge ?? 0
        if !(0...100).contains(age) { problems.add("minimumAge", "error.range", "0", "100") }
        guard let provinceCode = request.province, !provinceCode.isEmpty else {
            problems.add("province", "error.required")
            throw AppError.invalid(problems.list)
        }
        guard problems.list.isEmpty, let pillar, let unit else { throw AppError.invalid(problems.list) }
        let province = try await UnitService(scope: scope, clock: clock).find(code: provinceCode, asOf: clock.today())
        guard province.tier == .province else { throw AppError.invalid("province", "error.not_province") }
        try scope.authorize(.manageUnitsAndTeams, at: province.path)
        if try await ServiceRecord.query(on: scope.db).filter(\.$code == code).count() > 0 {
            throw AppError.conflict(FieldProblem("code", "error.service_exists", code))
        }
        let record = ServiceRecord()
        record.code = code
        record.pillar = pillar
        record.name = name
        record.nameEn = TeamImport.normaliseName(request.nameEn ?? "").isEmpty ? name : TeamImport.normaliseName(request.nameEn!)
        record.minimumAge = age
        record.unit = unit
        record.unitPath = province.path
        record.active = true
        try await scope.db.writeTransaction { db in
            let ages = try await Rollups.eligibilityAges(on: db)
            try await record.create(on: db)
            // A new minimum age: residents are counted as eligible at that age too.
            if unit == .person, !ages.contains(age) { try await Rollups.countEligible(age: age, on: db) }
            try await AuditLog.record(on: db, actor: scope.actor, at: clock.now(), action: .create, entity: "service", entityID: record.id,
                                      unitPath: province.path, summary: "\(code) \(name)", before: Nothing?.none, after: record.service)
        }
        return record
    }

    func response(_ s: ServiceRecord) -> ServiceResponse {
        ServiceResponse(code: s.code, pillar: s.pillar, name: s.name, nameEn: s.nameEn, minimumAge: s.minimumAge, unit: s.unit,
                        province: s.unitPath == "/" ? nil : s.unitPath)
    }
}
