import Fluent
import Foundation
import LanToaCore

/// The national indicator catalogue and the former communes of hamlets.
enum Indicators {
    /// The structural figures, with their names.
    static let structural: [(code: String, name: String, nameEn: String)] = [
        ("teams", "Số Tổ CNSCĐ đang hoạt động", "Active community digital technology teams"),
        ("teams_compliant", "Số Tổ đúng cơ cấu thành phần", "Teams meeting the composition rules"),
        ("members", "Số thành viên Tổ CNSCĐ", "Team members"),
        ("households", "Số hộ gia đình đã ghi nhận", "Households recorded"),
        ("households_visited", "Số hộ đã được đến hỗ trợ", "Households visited"),
        ("residents", "Số người dân đã ghi nhận", "Residents recorded"),
    ]

    /// National defaults: for each service of the national catalogue, supports done and coverage; the structural
    /// figures; and products listed online, reported by hand.
    static var national: [IndicatorRecord] {
        var list: [IndicatorRecord] = []
        for s in DigitalService.nationalDefaults {
            list.append(make("\(s.code).coverage", .coverage, "Tỷ lệ \(lowercasedFirst(s.name))", "Coverage: \(s.nameEn)", service: s.code))
            list.append(make("\(s.code).done", .count, "Số lượt hỗ trợ: \(lowercasedFirst(s.name))", "Supports done: \(s.nameEn)", service: s.code))
        }
        for f in structural { list.append(make(f.code, .structural, f.name, f.nameEn, figure: f.code)) }
        list.append(make("products_online", .manual, "Số sản phẩm được đưa lên sàn thương mại điện tử", "Products listed online"))
        return list
    }

    static func make(_ code: String, _ kind: IndicatorKind, _ name: String, _ nameEn: String, service: String = "", figure: String = "",
                     unitPath: String = "/") -> IndicatorRecord {
        let r = IndicatorRecord()
        r.code = code
        r.kind = kind
        r.name = name
        r.nameEn = nameEn
        r.serviceCode = service
        r.figure = figure
        r.unitPath = unitPath
        r.position = 0
        return r
    }

    private static func lowercasedFirst(_ s: String) -> String {
        guard let first = s.first, !s.hasPrefix("VNeID"), !s.hasPrefix("OCOP"), !s.hasPrefix("Mobile") else { return s }
        return first.lowercased() + s.dropFirst()
    }
}

extension Rollups {
    /// The commune a hamlet of `commune` belonged to before 1 July 2025: among the new commune's predecessors, the
    /// one merged whole with the lowest code (else the lowest code). A commune may set it otherwise when it knows.
    static func defaultFormerCommune(of commune: Unit, on db: any Database) async throws -> Unit? {
        let links = try await UnitLineage.query(on: db).filter(\.$newUnitID == commune.id!).all()
        guard !links.isEmpty else { return nil }
        let olds = try await Unit.query(on: db).filter(\.$id ~~ links.map(\.oldUnitID)).filter(\.$tier == .commune).all()
        let full = Set(links.filter { $0.share == .full }.map(\.oldUnitID))
        return olds.sorted { (full.contains($0.id!) ? 0 : 1, $0.code) < (full.contains($1.id!) ? 0 : 1, $1.code) }.first
    }

    /// Links a hamlet to its former commune (path and dated parent link).
    static func assignFormer(hamlet: Unit, to former: Unit, on db: any Database) async throws {
        hamlet.formerPath = former.path + hamlet.id!.uuidString.lowercased() + "/"
        try await hamlet.save(on: db)
        try await UnitParent(unitID: hamlet.id!, parentID: former.id!,
                             period: ValidPeriod(from: .distantPast, to: ReferenceData.reorganisation.previousDay)).create(on: db)
    }

    /// Gives every hamlet without one its default former commune.
    static func assignFormerCommunes(on db: any Database) async throws {
        let hamlets = try await Unit.query(on: db).filter(\.$tier == .hamlet).filter(\.$formerPath == "").all()
        var formerOf: [UUID: Unit?] = [:]
        for hamlet in hamlets {
            guard let parentID = hamlet.parentID else { continue }
            if formerOf[parentID] == nil {
                let parent = try await Unit.find(parentID, on: db)
                formerOf[parentID] = .some(try await parent.asyncMap { try await defaultFormerCommune(of: $0, on: db) })
            }
            if let former = formerOf[parentID] ?? nil { try await assignFormer(hamlet: hamlet, to: former, on: db) }
        }
    }
}
