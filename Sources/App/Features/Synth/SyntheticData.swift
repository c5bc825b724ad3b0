import Fluent
import Foundation
import LanToaCore
import SQLKit

/// Synthetic data at national or provincial scale (`lantoa synth`), for benchmarks and load tests: the real unit
/// structure with generated hamlets, teams, members, households, residents and support activities, the same for
/// the same seed. Activities are skewed: provinces and communes draw a lognormal pace (some far ahead), about one
/// hamlet in seven has no team, and about one team in six has gone quiet for the last two months. A hamlet's households
/// and residents are recorded during its sweep (ten days), as teams do.
struct SyntheticData {
    struct Options {
        /// Only these provinces (new codes); all when empty.
        var provinceCodes: [String] = []
        var seed: UInt64 = 2026
        var hamletsPerCommune = 30
        var residentsPerHamlet = 50
        var membersPerTeam = 5
        var activities = 20_000_000
        var today: LocalDate
    }

    let db: any Database
    let options: Options
    var progress: (String, Int, Int) -> Void = { _, _, _ in }

    private var sql: any SQLDatabase { db as! any SQLDatabase }

    static let services: [(code: String, weight: Int, household: Bool)] = [
        ("vneid_level2", 30, false), ("public_service_account", 14, false), ("online_dossier", 10, false), ("epayment_account", 8, false),
        ("bank_account", 7, false), ("mobile_money", 4, false), ("ehealth_book", 6, false), ("vssid", 5, false), ("citizen_app", 5, false),
        ("safe_internet", 5, false), ("hamlet_zalo_group", 3, false), ("ecommerce_shop", 1, true), ("cashless_qr", 1, true), ("ocop_listing", 1, true),
    ]

    struct Counts { var hamlets = 0, teams = 0, members = 0, households = 0, residents = 0, activities = 0 }

    /// Generates and writes everything, with the raw tables' secondary indexes built once, after the load, instead of
    /// row by row.
    func run() async throws -> Counts {
        guard try await Team.query(on: db).count() == 0 else { throw SynthError.notEmpty }
        var indexes = DeferredIndexes(db: db)
        try await indexes.drop(on: Self.tables + [SupportActivity.schema])
        let counts: Counts
        do {
            counts = try await generate()
        } catch {
            try? await indexes.restore()
            throw error
        }
        progress("indexes", 1, 1)
        try await indexes.restore()
        return counts
    }

    private func generate() async throws -> Counts {
        let random = DemoData.Seeded(state: options.seed)
        func uuid() -> UUID { Self.uuid(random) }
        func uniform() -> Double { Double(random.next() >> 11) / Double(1 << 53) }
        func lognormal(_ sigma: Double) -> Double {
            let (u, v) = (max(uniform(), 1e-12), uniform())
            return exp(sigma * sqrt(-2 * log(u)) * cos(2 * .pi * v))
        }
        let today = options.today.iso
        var communes = try await Unit.query(on: db).filter(\.$tier == .commune).filter(\.$validFrom <= today).filter(\.$validTo >= today)
            .sort(\.$code).all()
        if !options.provinceCodes.isEmpty {
            var paths: [String] = []
            for code in options.provinceCodes {
                guard let province = try await Unit.query(on: db).filter(\.$code == code).filter(\.$tier == .province)
                    .filter(\.$validFrom <= today).filter(\.$validTo >= today).first() else { throw SynthError.unknownProvince(code) }
                paths.append(province.path)
            }
            communes = communes.filter { c in paths.contains { c.path.hasPrefix($0) } }
        }
        // Former communes: a new commune's hamlets are spread over its predecessors.
        var predecessors: [UUID: [Unit]] = [:]
        let links = try await UnitLineage.query(on: db).all()
        let olds = Dictionary(try await Unit.query(on: db).filter(\.$tier == .commune).filter(\.$validTo < today).all().map { ($0.id!, $0) },
                              uniquingKeysWith: { a, _ in a })
        for l in links { if let o = olds[l.oldUnitID] { predecessors[l.newUnitID, default: []].append(o) } }
        // The pace of each province and commune, and each commune's share of the activities.
        var provincePace: [Substring: Double] = [:]
        var plan: [(Unit, hamlets: Int, pace: Double)] = []
        for c in communes {
            let province = c.path.split(separator: "/")[0]
            if provincePace[province] == nil { provincePace[province] = lognormal(0.6) }
            plan.append((c, max(1, options.hamletsPerCommune / 2 + random.int(0...options.hamletsPerCommune)), provincePace[province]! * lognormal(0.4)))
        }
        let weight = plan.reduce(0.0) { $0 + Double($1.hamlets) * $1.pace }
        // Only hamlets with a team (six in seven) record supports: their pace makes up the whole of `activities`.
        let perUnitPace = Double(options.activities) / max(weight * Self.teamShare, 1)
        let start = LocalDate(year: 2024, month: 1, day: 1)!
        let span = start.days(to: options.today)
        let quietFrom = options.today.adding(days: -60)
        var counts = Counts()
        var phone = 900_000_000
        var pending: [String: [[BulkValue]]] = [:]
        var pendingRows = 0
        let now = Date()

        for (index, (commune, hamletCount, pace)) in plan.enumerated() {
            progress(commune.name, index, plan.count)
            var rows: [String: [[BulkValue]]] = [:]
            var activities: [[BulkValue]] = []
            var statuses: [String: (UUID, UUID, String, String, String)] = [:]
            let formers = (predecessors[commune.id!] ?? []).sorted { $0.code < $1.code }
            for n in 1...hamletCount {
                let id = uuid()
                let path = commune.path + id.uuidString.lowercased() + "/"
                let former = formers.isEmpty ? nil : formers[(n - 1) % formers.count]
                let name = "Thôn \(DemoData.hamletNames[n % DemoData.hamletNames.count]) \(n)"
                rows["units", default: []].append([
                    BulkValue(id), BulkValue(HamletCode.make(communeCode: commune.code, number: n)), BulkValue(Tier.hamlet.rawValue),
                    BulkValue(UnitKind.thon.rawValue), BulkValue(name), BulkValue(String(name.dropFirst(5))), BulkValue(TextFolding.fold(name).capitalized),
                    BulkValue(Unit.searchKey(name: name, code: HamletCode.make(communeCode: commune.code, number: n))), BulkValue(commune.id!), BulkValue(path),
                    BulkValue(former.map { $0.path + id.uuidString.lowercased() + "/" } ?? ""), BulkValue(start.iso), BulkValue(LocalDate.distantFuture.iso),
                    BulkValue(false),
                ])
                rows["unit_parents", default: []].append([BulkValue(uuid()), BulkValue(id), BulkValue(commune.id!), BulkValue(start.iso),
                                                          BulkValue(LocalDate.distantFuture.iso)])
                if let former {
                    rows["unit_parents", default: []].append([BulkValue(uuid()), BulkValue(id), BulkValue(former.id!), BulkValue(LocalDate.distantPast.iso),
                                                              BulkValue(ReferenceData.reorganisation.previousDay.iso)])
                }
                counts.hamlets += 1
                // A team in six hamlets out of seven; one team in six has gone quiet.
                var teamID: UUID?
                var quiet = false
                if random.int(0...6) > 0 {   // `teamShare`
                    let team = uuid()
                    teamID = team
                    quiet = random.int(0...5) == 0
                    let founded = start.adding(days: random.int(0...400)).iso
                    rows["teams", default: []].append([
                        BulkValue(team), BulkValue(now), BulkValue(now), BulkValue(id), BulkValue(path), BulkValue("Tổ CNSCĐ \(name)"),
                        BulkValue("\(random.int(1...999))/QĐ-UBND"), BulkValue(founded), BulkValue("Chủ tịch UBND xã"), BulkValue("active"),
                        BulkValue(random.int(0...9) < 7), BulkValue(""), BulkValue(options.membersPerTeam), BulkValue(false),
                    ])
                    rows["team_events", default: []].append([BulkValue(uuid()), BulkValue(now), BulkValue(team), BulkValue(path), BulkValue("founded"),
                                                             BulkValue(founded), BulkValue(""), BulkValue(""), BulkValue("")])
                    for m in 0..<options.membersPerTeam {
                        let member = uuid()
                        phone += 1
                        rows["members", default: []].append([
                            BulkValue(member), BulkValue(now), BulkValue(now),
                            BulkValue("\(random.pick(DemoData.familyNames)) \(random.pick(DemoData.middleNames)) \(random.pick(DemoData.givenNames))"),
                            BulkValue("0\(phone)"), BulkValue(random.int(0...1) == 0 ? "male" : "female"), BulkValue(random.int(1960...2006)),
                            BulkValue(""), BulkValue(path), BulkValue(false),
                        ])
                        rows["memberships", default: []].append([
                            BulkValue(uuid()), BulkValue(now), BulkValue(team), BulkValue(member), BulkValue(path),
                            BulkValue(m == 0 ? "leader" : m == 1 ? "deputy" : "member"), BulkValue(founded), BulkValue(LocalDate.distantFuture.iso), BulkValue(""),
                        ])
                        counts.members += 1
                    }
                    counts.teams += 1
                }
                // Households of four, recorded during the hamlet's sweep: ten days at some point since 2024.
                let sweep = random.int(0...max(0, span - 10))
                var residents: [(id: UUID, household: UUID, birthYear: Int, recorded: Int)] = []
                var households: [UUID] = []
                var household = uuid()
                for r in 0..<options.residentsPerHamlet {
                    if r % 4 == 0 {
                        household = uuid()
                        households.append(household)
                        let recorded = sweep + random.int(0...9)
                        rows["households", default: []].append([
                            BulkValue(household), BulkValue(Self.instant(start.adding(days: recorded))), BulkValue(now), BulkValue(id), BulkValue(path),
                            BulkValue("Số \(r / 4 + 1), \(name)"), BulkValue(random.pick(DemoData.familyNames) + " " + random.pick(DemoData.givenNames)),
                            BulkValue(""), BulkValue("synth"),
                        ])
                    }
                    let rid = uuid()
                    let recorded = sweep + random.int(0...9)
                    let year = 1940 + random.int(0...(options.today.year - 1940))
                    residents.append((rid, household, year, recorded))
                    rows["residents", default: []].append([
                        BulkValue(rid), BulkValue(Self.instant(start.adding(days: recorded))), BulkValue(now), BulkValue(household), BulkValue(id), BulkValue(path),
                        BulkValue("\(random.pick(DemoData.familyNames)) \(random.pick(DemoData.middleNames)) \(random.pick(DemoData.givenNames))"),
                        BulkValue(random.int(0...1) == 0 ? "male" : "female"), BulkValue(year), BulkValue(""), BulkValue(""), BulkValue(""), BulkValue(""),
                        BulkValue(random.int(0...3) > 0), BulkValue(start.adding(days: recorded).iso), BulkValue("synth"), BulkValue(nil as Date?),
                    ])
                }
                counts.households += households.count
                counts.residents += residents.count
                // Supports: the commune's pace, none in a hamlet without a team, none lately in a quiet one.
                guard teamID != nil else { continue }
                let expected = perUnitPace * pace
                let count = Int(expected) + (uniform() < expected - Double(Int(expected)) ? 1 : 0)
                for _ in 0..<count {
                    let resident = residents[random.int(0...(residents.count - 1))]
                    var pick = random.int(0...99)
                    var service = Self.services[0]
                    for s in Self.services { if pick < s.weight { service = s; break }; pick -= s.weight }
                    let from = resident.recorded
                    var day = start.adding(days: from + random.int(0...max(0, span - from)))
                    if quiet, day >= quietFrom { day = quietFrom.adding(days: -random.int(1...300)) }
                    if day < start { day = start }
                    // As `SupportLogService` writes an activity, column for column (`activityColumns`).
                    let activityID = uuid()
                    let meeting = random.int(0...49) == 0
                    let residentID = meeting || service.household ? nil : resident.id
                    let householdID = !meeting && service.household ? resident.household : nil
                    let anonymous = meeting ? random.int(5...40) : 0
                    let done = random.int(0...9) < 8
                    let on = day.iso
                    activities.append([
                        BulkValue(activityID), BulkValue(now), BulkValue(id), BulkValue(path), BulkValue(teamID), .null, BulkValue(residentID),
                        BulkValue(householdID), BulkValue(anonymous), BulkValue(service.code),
                        BulkValue((done ? SupportOutcome.done : .guided).rawValue), BulkValue(done ? "" : UnfinishedReason.needsFollowUp.rawValue),
                        BulkValue((meeting ? SupportChannel.communityMeeting : .doorToDoor).rawValue), BulkValue(on), .null,
                    ])
                    if done, let subject = residentID ?? householdID {
                        let key = "\(subject)|\(service.code)"
                        if statuses[key].map({ on < $0.3 }) ?? true { statuses[key] = (uuid(), subject, service.code, on, path) }
                    }
                }
            }
            for (_, s) in statuses.sorted(by: { $0.key < $1.key }) {
                rows["service_status", default: []].append([BulkValue(s.0), BulkValue(s.1), BulkValue(s.2), BulkValue(s.4), BulkValue(s.3)])
            }
            counts.activities += activities.count
            rows[SupportActivity.schema] = activities
            for (table, list) in rows { pending[table, default: []] += list }
            pendingRows += rows.values.reduce(0) { $0 + $1.count }
            if pendingRows >= 200_000 { try await flush() }
        }
        if pendingRows > 0 { try await flush() }
        return counts

        /// Writes the rows of the communes done so far, in one transaction.
        func flush() async throws {
            let batch = pending
            pending = [:]
            pendingRows = 0
            try await db.writeTransaction { db in
                let writer = BulkWriter(db: db)
                for table in Self.tables { try await writer.write(table, columns: Self.columns[table]!, rows: batch[table] ?? []) }
                try await writer.write(SupportActivity.schema, columns: Self.activityColumns, rows: batch[SupportActivity.schema] ?? [])
            }
        }
    }

    /// A version-4 UUID from the seeded generator: the same data for the same seed.
    static func uuid(_ random: DemoData.Seeded) -> UUID {
        let (a, b) = (random.next(), random.next())
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<8 { bytes[i] = UInt8(truncatingIfNeeded: a >> (8 * i)); bytes[8 + i] = UInt8(truncatingIfNeeded: b >> (8 * i)) }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }

    /// Nine in the morning, Vietnam time, of a day.
    static func instant(_ d: LocalDate) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = AppClock.vietnam
        return calendar.date(from: DateComponents(year: d.year, month: d.month, day: d.day, hour: 9))!
    }

    /// The share of hamlets that have a team.
    static let teamShare = 6.0 / 7.0

    /// The tables written per commune, in order (parents first).
    static let tables = ["units", "unit_parents", "teams", "team_events", "members", "memberships", "households", "residents", "service_status"]

    static let activityColumns = ["id", "received_at", "hamlet_id", "unit_path", "team_id", "recorded_by", "resident_id", "household_id",
                                  "anonymous_count", "service_code", "outcome", "reason", "channel", "happened_on", "supersedes_id"]

    static let columns: [String: [String]] = [
        "units": ["id", "code", "tier", "kind", "name", "short_name", "name_en", "search_key", "parent_id", "path", "former_path", "valid_from",
                  "valid_to", "demo"],
        "unit_parents": ["id", "unit_id", "parent_id", "valid_from", "valid_to"],
        "teams": ["id", "created_at", "updated_at", "unit_id", "unit_path", "name", "decision_number", "decision_date", "decision_signer", "status",
                  "compliant", "findings", "member_count", "demo"],
        "team_events": ["id", "created_at", "team_id", "unit_path", "kind", "date", "decision_number", "decision_signer", "note"],
        "members": ["id", "created_at", "updated_at", "full_name", "phone", "gender", "birth_year", "affiliations", "unit_path", "demo"],
        "memberships": ["id", "created_at", "team_id", "member_id", "unit_path", "role", "valid_from", "valid_to", "end_reason"],
        "households": ["id", "created_at", "updated_at", "hamlet_id", "unit_path", "address", "head_name", "phone", "created_by"],
        "residents": ["id", "created_at", "updated_at", "household_id", "hamlet_id", "unit_path", "full_name", "gender", "birth_year", "cccd_sealed",
                      "cccd_hash", "cccd_masked", "phone", "has_smartphone", "consent_on", "consent_by", "erased_at"],
        "service_status": ["id", "subject_id", "service_code", "unit_path", "first_done_on"],
    ]
}

enum SynthError: Error, CustomStringConvertible {
    case notEmpty
    case unknownProvince(String)

    var description: String {
        switch self {
        case .notEmpty: "The database already holds teams: synthetic data goes into a new database (set DATABASE_URL)."
        case let .unknownProvince(code): "No province with code \(code) today."
        }
    }
}
