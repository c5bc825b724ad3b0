import Fluent
import Foundation
import LanToaCore

/// Demo data for newcomers: hamlets, teams and members in the communes of one real province (Lạng Sơn), every
/// record flagged `demo` and every page bannered. Generated from a fixed seed, so every fresh clone sees the same.
/// Never loaded in production (`--env production`) unless `LANTOA_DEMO=true`.
enum DemoData {
    static let provinceCode = "20"

    struct Account {
        var login: String
        var name: String
        var role: Role
        var scope: String
        var description: String
    }

    /// Accounts created beside the first admin when demo data is present.
    static let accounts = [
        Account(login: "langson", name: "Sở KH&CN Lạng Sơn (demo)", role: .province, scope: "20", description: "province Lạng Sơn"),
        Account(login: "xa.demo", name: "UBND phường Tam Thanh (demo)", role: .commune, scope: "05986", description: "commune Tam Thanh"),
        Account(login: "thanhvien.demo", name: "Thành viên Tổ CNSCĐ (demo)", role: .member, scope: "05986-001",
                description: "member, Khu phố 1 of Tam Thanh: open /app/ on a phone"),
    ]

    /// The commune whose hamlets also get households, residents and supports (for the phone app and sweep lists).
    static let outreachCommune = "05986"

    static func randomPassword() -> String {
        let alphabet = Array("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        return String((0..<12).map { _ in alphabet.randomElement()! })
    }

    static let familyNames = ["Nguyễn", "Hoàng", "Lương", "Nông", "Vi", "Lăng", "Triệu", "Hà", "Lộc", "Chu", "Đàm", "Trần", "Lê", "Phạm", "Vũ"]
    static let middleNames = ["Văn", "Thị", "Đức", "Thị Thu", "Minh", "Thị Hồng", "Quốc", "Thị Lan", "Xuân", "Ngọc"]
    static let givenNames = ["Hùng", "Lan", "Minh", "Hoa", "Tuấn", "Hằng", "Sơn", "Thảo", "Dũng", "Mai", "Cường", "Yến", "Bình", "Nga", "Long", "Trang"]
    static let hamletNames = ["Nà Sản", "Pác Cáp", "Khòn Phổ", "Bản Chu", "Nà Lừa", "Còn Quan", "Pò Mỏ", "Nà Pàn", "Khuổi Tát", "Bó Củng"]

    /// A small deterministic generator (SplitMix64), so the demo is the same on every machine.
    final class Seeded: @unchecked Sendable {
        var state: UInt64
        var phone = 0

        init(state: UInt64) {
            self.state = state
        }

        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }

        func int(_ range: ClosedRange<Int>) -> Int {
            range.lowerBound + Int(next() % UInt64(range.count))
        }

        func pick<T>(_ items: [T]) -> T { items[int(0...(items.count - 1))] }
    }

    static func load(on db: any Database, clock: AppClock) async throws {
        let scope = Scope(actor: .system, db: db)
        let today = clock.today()
        let units = UnitService(scope: scope, clock: clock)
        let province = try await units.find(code: provinceCode, asOf: today)
        let communes = try await units.children(of: province, asOf: today)
        let random = Seeded(state: 2025)
        try await db.transaction { db in
            let teams = TeamService(scope: scope.on(db), clock: clock)
            let hamletService = UnitService(scope: scope.on(db), clock: clock)
            for commune in communes {
                let hamletCount = random.int(2...4)
                for h in 0..<hamletCount {
                    let name = h == 0 && commune.kind == .phuong ? "Khối \(h + 1)" : "Thôn \(hamletNames[(h + commune.code.hashValueStable) % hamletNames.count])"
                    let kind: UnitKind = commune.kind == .phuong ? .khuPho : .thon
                    let hamletName = commune.kind == .phuong ? "Khu phố \(h + 1)" : name
                    let hamlet = try await hamletService.createHamletInTransaction(parent: commune, name: hamletName, kind: kind, demo: true, on: db)
                    // Some hamlets have no team yet, some teams are short of members: the findings show.
                    if random.int(0...9) == 0 { continue }
                    let decision = TeamService.Decision(number: "\(random.int(10...350))/QĐ-UBND",
                                                        date: LocalDate(year: 2025, month: random.int(7...10), day: random.int(1...28))!,
                                                        signer: "\(random.pick(familyNames)) \(random.pick(middleNames)) \(random.pick(givenNames))")
                    let team = try await teams.found(unit: hamlet, name: "Tổ CNSCĐ \(hamlet.name)", decision: decision, demo: true, on: db)
                    let size = random.int(3...9)
                    for i in 0..<size {
                        random.phone += 1
                        let role: TeamRole = i == 0 ? .leader : (i == 1 && random.int(0...5) > 0 ? .deputy : .member)
                        var affiliations: [Affiliation] = []
                        if i == 0 && random.int(0...4) > 0 { affiliations.append(.hamletHead) }
                        if i > 0 { affiliations.append(random.pick([.youthUnion, .womensUnion, .farmersUnion, .veterans, .police, .teacher, .postTelecom])) }
                        let female = random.int(0...1) == 1
                        let middle = female ? "Thị" : random.pick(["Văn", "Đức", "Minh", "Quốc", "Xuân"])
                        let digits = "039" + String(format: "%07d", random.phone)
                        _ = try await teams.addMember(
                            .init(fullName: "\(random.pick(familyNames)) \(middle) \(random.pick(givenNames))", phone: try PhoneNumber(parsing: digits),
                                  gender: female ? .female : .male, birthYear: random.int(1965...2004), role: role, affiliations: affiliations,
                                  from: decision.date),
                            to: team, demo: true, on: db)
                    }
                    try await TeamService.refreshCompliance(of: team, unitTier: .hamlet, on: db)
                }
            }
            try await loadOutreach(communes: communes.filter { $0.code == outreachCommune }, random: random, clock: clock, on: db)
            try await Setting(key: "demo", value: "Lạng Sơn").create(on: db)
        }
    }
}

extension DemoData {
    /// Households of three to five people at numbered addresses, and supports already given to some of them.
    static func loadOutreach(communes: [Unit], random: Seeded, clock: AppClock, on db: any Database) async throws {
        let streets = ["Bắc Sơn", "Lê Lợi", "Tam Thanh", "Ngô Quyền", "Bà Triệu"]
        let services = ["vneid_level2", "public_service_account", "bank_account", "ehealth_book", "safe_internet"]
        for commune in communes {
            let hamlets = try await Unit.query(on: db).filter(\.$parentID == commune.id!).filter(\.$tier == .hamlet).all()
            for hamlet in hamlets {
                var households: [Household] = []
                var residents: [Resident] = []
                var activities: [SupportActivity] = []
                for n in 1...12 {
                    let family = random.pick(familyNames)
                    let h = Household()
                    h.id = UUID()
                    h.hamletID = hamlet.id!
                    h.unitPath = hamlet.path
                    h.address = "Số \(n * 2 + random.int(0...1)) đường \(random.pick(streets))"
                    h.phone = ""
                    h.createdBy = "demo"
                    var head = ""
                    for p in 0..<random.int(3...5) {
                        let female = p == 1 || random.int(0...1) == 1
                        let r = Resident()
                        r.id = UUID()
                        r.householdID = h.id
                        r.hamletID = hamlet.id!
                        r.unitPath = hamlet.path
                        r.fullName = "\(family) \(female ? "Thị" : random.pick(["Văn", "Đức", "Minh"])) \(random.pick(givenNames))"
                        r.gender = female ? .female : .male
                        r.birthYear = p < 2 ? random.int(1950...1985) : random.int(1995...2020)
                        (r.cccdSealed, r.cccdHash, r.cccdMasked) = ("", "", "")
                        r.phone = ""
                        r.hasSmartphone = random.int(0...3) > 0
                        r.consentOn = "2025-09-15"
                        r.consentBy = "demo"
                        if p == 0 { head = r.fullName }
                        residents.append(r)
                        for service in services where random.int(0...2) == 0 && clock.today().year - r.birthYear >= 15 {
                            let a = SupportActivity()
                            a.id = UUID()
                            a.receivedAt = clock.now()
                            a.hamletID = hamlet.id!
                            a.unitPath = hamlet.path
                            a.residentID = r.id
                            a.anonymousCount = 0
                            a.serviceCode = service
                            a.outcome = random.int(0...4) == 0 ? .guided : .done
                            a.reason = a.outcome == .guided ? UnfinishedReason.needsFollowUp.rawValue : ""
                            a.channel = .doorToDoor
                            a.happenedOn = LocalDate(year: 2025, month: random.int(9...12), day: random.int(1...28))!.iso
                            activities.append(a)
                        }
                    }
                    h.headName = head
                    households.append(h)
                }
                try await households.create(on: db)
                for chunk in residents.chunked(200) { try await chunk.create(on: db) }
                try await Rollups.householdsCreated(households, on: db)
                try await Rollups.residentsCreated(residents, on: db)
                try await OutreachService.insert(activities, on: db)
            }
        }
    }
}

extension String {
    /// A hash that is the same in every process (Swift's `hashValue` is seeded per run).
    var hashValueStable: Int {
        unicodeScalars.reduce(0) { ($0 &* 31 &+ Int($1.value)) & 0xFFFF }
    }
}
