import Fluent
import Foundation
import LanToaCore
import SQLKit

/// Demo data for newcomers: hamlets, teams and members in the communes of one real province (Lạng Sơn), every
/// record flagged `demo` and every page bannered. Generated from a fixed seed, so every fresh clone sees the same
/// shape, dated relative to the day it is loaded so that it looks alive that day: teams founded in the last year,
/// supports in the last ten weeks (most in the last few) credited to the teams, a few teams idle, the year's targets
/// set and split, a campaign running, training sessions held and coming (`loadTraining`), and periodic reports due,
/// submitted and approved (`DemoReports`). Never loaded in production (`--env production`) unless `LANTOA_DEMO=true`.
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
        Account(login: "totruong.demo", name: "Tổ trưởng Khu phố 2 (demo)", role: .leader, scope: "05986-002",
                description: "leader, Khu phố 2 of Tam Thanh: its monthly report at /reports"),
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
        try await db.writeTransaction { db in
            var teamOfHamlet: [UUID: Team] = [:]
            var founded: [Team] = []  // in the order founded, so that the seeded draws fall on the same teams every load
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
                                                        date: today.adding(days: -random.int(100...420)),
                                                        signer: "\(random.pick(familyNames)) \(random.pick(middleNames)) \(random.pick(givenNames))")
                    let team = try await teams.found(unit: hamlet, name: "Tổ CNSCĐ \(hamlet.name)", decision: decision, demo: true, on: db)
                    teamOfHamlet[hamlet.id!] = team
                    founded.append(team)
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
            try await loadOutreach(communes: communes.filter { $0.code == outreachCommune }, teams: teamOfHamlet, random: random, clock: clock, on: db)
            try await loadSessions(teams: founded.filter { !$0.unitPath.contains(outreachHamletMarker(communes)) }, random: random,
                                   clock: clock, on: db)
            try await loadTargets(province: province, clock: clock, on: db)
            try await loadTraining(province: province, communes: communes, random: random, clock: clock, on: db)
            try await Setting(key: "demo", value: "Lạng Sơn").create(on: db)
        }
        try await DemoReports.load(province: province, clock: clock, on: db)
    }
}

extension DemoData {
    /// The path piece of the outreach commune, whose teams log door-to-door supports instead of sessions.
    static func outreachHamletMarker(_ communes: [Unit]) -> String {
        communes.first { $0.code == outreachCommune }.map { $0.id!.uuidString.lowercased() } ?? "-"
    }

    /// A day in the last ten weeks, most of them recent.
    static func recentDay(_ random: Seeded, today: LocalDate) -> LocalDate {
        today.adding(days: -min(random.int(0...69), random.int(0...69)))
    }

    /// Households of three to five people at numbered addresses, and supports already given to some of them by the
    /// hamlet's team.
    static func loadOutreach(communes: [Unit], teams: [UUID: Team], random: Seeded, clock: AppClock, on db: any Database) async throws {
        let today = clock.today()
        let streets = ["Bắc Sơn", "Lê Lợi", "Tam Thanh", "Ngô Quyền", "Bà Triệu"]
        let services = ["vneid_level2", "public_service_account", "bank_account", "ehealth_book", "safe_internet"]
        for commune in communes {
            let hamlets = try await Unit.query(on: db).filter(\.$parentID == commune.id!).filter(\.$tier == .hamlet).sort(\.$name).all()
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
                        r.consentOn = today.adding(days: -75).iso
                        r.consentBy = "demo"
                        if p == 0 { head = r.fullName }
                        residents.append(r)
                        // Supports are given by the hamlet's team; a hamlet without one has its residents recorded only.
                        for service in services where random.int(0...2) == 0 && clock.today().year - r.birthYear >= 15 && teams[hamlet.id!] != nil {
                            let a = SupportActivity()
                            a.id = UUID()
                            a.receivedAt = clock.now()
                            a.hamletID = hamlet.id!
                            a.unitPath = hamlet.path
                            a.residentID = r.id
                            a.teamID = teams[hamlet.id!]?.id
                            a.anonymousCount = 0
                            a.serviceCode = service
                            a.outcome = random.int(0...4) == 0 ? .guided : .done
                            a.reason = a.outcome == .guided ? UnfinishedReason.needsFollowUp.rawValue : ""
                            a.channel = .doorToDoor
                            a.happenedOn = recentDay(random, today: today).iso
                            activities.append(a)
                        }
                    }
                    h.headName = head
                    households.append(h)
                }
                try await households.create(on: db)
                for chunk in residents.chunked(200) { try await chunk.create(on: db) }
                // Recorded during the hamlet's sweep, when consent was given (before every support above), as a team
                // records them; counted from that day.
                let swept = SyntheticData.instant(today.adding(days: -75))
                let sql = db as! any SQLDatabase
                for table in [Household.schema, Resident.schema] {
                    try await sql.update(table).set("created_at", to: SQLBind(swept)).where("hamlet_id", .equal, SQLBind(hamlet.id!)).run()
                }
                for h in households { h.createdAt = swept }
                for r in residents { r.createdAt = swept }
                try await Rollups.householdsCreated(households, on: db)
                try await Rollups.residentsCreated(residents, on: db)
                try await SupportLogService.insert(activities, on: db)
            }
        }
    }
}

extension DemoData {
    /// Elsewhere in the province, teams hold sessions at the commune's one-stop desk and in community meetings: most
    /// teams a few in the last weeks, about one in six none for a while (the rankings show them idle).
    static func loadSessions(teams: [Team], random: Seeded, clock: AppClock, on db: any Database) async throws {
        let today = clock.today()
        let services = DigitalService.nationalDefaults.map(\.code)
        var activities: [SupportActivity] = []
        for team in teams where random.int(0...5) > 0 {
            guard let hamletID = UUID(uuidString: String(team.unitPath.split(separator: "/").last ?? "")) else { continue }
            for _ in 0..<random.int(1...6) {
                let a = SupportActivity()
                a.id = UUID()
                a.receivedAt = clock.now()
                a.hamletID = hamletID
                a.unitPath = team.unitPath
                a.teamID = team.id
                a.anonymousCount = random.int(3...25)
                a.serviceCode = random.pick(services)
                a.outcome = .done
                a.reason = ""
                a.channel = random.int(0...1) == 0 ? .communityMeeting : .oneStopDesk
                a.happenedOn = recentDay(random, today: today).iso
                activities.append(a)
            }
        }
        try await SupportLogService.insert(activities, on: db)
    }

    /// The year's targets, set for the province and split evenly among its communes, and a month-long campaign for
    /// level-2 electronic identification (VNeID) that started two weeks ago.
    static func loadTargets(province: Unit, clock: AppClock, on db: any Database) async throws {
        let today = clock.today()
        let targets = TargetService(scope: Scope(actor: .system, db: db), clock: clock)
        let year = String(today.year)
        for (indicator, value) in [("vneid_level2.coverage", 80.0), ("public_service_account.coverage", 60.0), ("safe_internet.done", 6000.0)] {
            _ = try await targets.set(SetTargetRequest(unit: province.code, indicator: indicator, period: year, value: value, reason: "Kế hoạch năm"))
            _ = try await targets.split(SplitTargetRequest(unit: province.code, indicator: indicator, period: year, method: "even", values: nil,
                                                           reason: "Kế hoạch năm"))
        }
        _ = try await CampaignService(scope: Scope(actor: .system, db: db), clock: clock).createCampaign(CreateCampaignRequest(
            name: "Tháng cao điểm định danh điện tử mức 2", start: today.adding(days: -14).iso, end: today.adding(days: 16).iso,
            owner: province.code, units: nil, targets: [CampaignTargetPayload(indicator: "vneid_level2.done", value: 1500)]))
    }
}

extension String {
    /// A hash that is the same in every process (Swift's `hashValue` is seeded per run).
    var hashValueStable: Int {
        unicodeScalars.reduce(0) { ($0 &* 31 &+ Int($1.value)) & 0xFFFF }
    }
}
