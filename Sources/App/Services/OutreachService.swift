import Fluent
import Foundation
import LanToaCore
import SQLKit

/// Households, residents, the support log and the sweep lists (rà từng người) of door-to-door outreach.
struct OutreachService {
    let scope: Scope
    let clock: AppClock
    let protector: PersonalDataProtector

    static let maximumBatch = 1000
    /// People counted at one meeting without names (a hamlet hall holds a few hundred).
    static let maximumAnonymousCount = 500
    /// The programme began in 2022: no support is dated before.
    static let earliestSupport = LocalDate(year: 2022, month: 1, day: 1)!

    // MARK: catalogue

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
        try await scope.db.transaction { db in
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

    // MARK: validation

    struct Problems {
        var list: [FieldProblem] = []
        mutating func add(_ field: String, _ key: String, _ args: String...) {
            var p = FieldProblem(field, key)
            p.args = args
            list.append(p)
        }
    }

    func household(_ p: HouseholdPayload, hamlets: [String: Unit], hamletProblem: (String?) -> (String, String)) -> Checked<Household> {
        var problems = Problems()
        let address = TeamImport.normaliseName(p.address ?? "")
        let head = TeamImport.normaliseName(p.headName ?? "")
        if address.isEmpty { problems.add("address", "error.required") }
        if head.isEmpty { problems.add("headName", "error.required") }
        if address.count > 200 { problems.add("address", "error.too_long", "200") }
        var phone = ""
        if let raw = p.phone, !raw.trimmingWhitespace().isEmpty {
            if let parsed = try? PhoneNumber(parsing: raw) { phone = parsed.digits } else { problems.add("phone", "error.phone", raw) }
        }
        let hamlet = p.hamlet.flatMap { hamlets[$0] }
        if hamlet == nil { let (key, arg) = hamletProblem(p.hamlet); problems.add("hamlet", key, arg) }
        guard problems.list.isEmpty, let hamlet else { return .invalid(problems.list) }
        let h = Household()
        h.id = p.id ?? UUID()
        h.hamletID = hamlet.id!
        h.unitPath = hamlet.path
        h.address = address
        h.headName = head
        h.phone = phone
        h.createdBy = scope.actor.login
        return .valid(h)
    }

    func resident(_ p: ResidentPayload, hamlets: [String: Unit], households: [UUID: (UUID, String)],
                  hamletProblem: (String?) -> (String, String)) -> Checked<Resident> {
        var problems = Problems()
        let today = clock.today()
        let name = TeamImport.normaliseName(p.fullName ?? "")
        if name.isEmpty { problems.add("fullName", "error.required") }
        if name.count > 120 { problems.add("fullName", "error.too_long", "120") }
        let gender = p.gender.flatMap { Gender(rawValue: $0) ?? Gender(text: $0) }
        if gender == nil { problems.add("gender", "error.choice", "male, female, other") }
        if let year = p.birthYear {
            if !(today.year - 120...today.year).contains(year) { problems.add("birthYear", "error.resident_birth_year") }
        } else {
            problems.add("birthYear", "error.required")
        }
        var cccd: CitizenID?
        if let raw = p.cccd, !raw.trimmingWhitespace().isEmpty {
            do {
                cccd = try CitizenID(parsing: raw, gender: gender, birthYear: p.birthYear)
            } catch {
                problems.add("cccd", "error.cccd.\(error)")
            }
        }
        var phone = ""
        if let raw = p.phone, !raw.trimmingWhitespace().isEmpty {
            if let parsed = try? PhoneNumber(parsing: raw) { phone = parsed.digits } else { problems.add("phone", "error.phone", raw) }
        }
        var consent: LocalDate?
        if let raw = p.consentOn, !raw.isEmpty {
            consent = LocalDate(raw)
            if consent == nil { problems.add("consentOn", "error.date") } else if consent! > today { problems.add("consentOn", "error.future_date"); consent = nil }
        } else {
            problems.add("consentOn", "error.consent_required")
        }
        var hamlet = p.hamlet.flatMap { hamlets[$0] }
        var householdID: UUID?
        if let h = p.household {
            if let (hamletID, _) = households[h] {
                householdID = h
                if hamlet == nil { hamlet = hamlets.values.first { $0.id == hamletID } }
                if let hamlet, hamlet.id != hamletID { problems.add("household", "error.household_other_hamlet") }
            } else {
                problems.add("household", "error.unknown_household")
            }
        }
        if hamlet == nil, householdID == nil || p.hamlet != nil {
            let (key, arg) = hamletProblem(p.hamlet)
            problems.add("hamlet", key, arg)
        }
        guard problems.list.isEmpty, let hamlet, let gender, let year = p.birthYear, let consent else { return .invalid(problems.list) }
        let r = Resident()
        r.id = p.id ?? UUID()
        r.householdID = householdID
        r.hamletID = hamlet.id!
        r.unitPath = hamlet.path
        r.fullName = name
        r.gender = gender
        r.birthYear = year
        r.cccdSealed = ""
        r.cccdHash = ""
        r.cccdMasked = ""
        if let cccd {
            guard let sealed = try? protector.seal(cccd.digits, for: r.id!) else { return .invalid([FieldProblem("cccd", "error.internal")]) }
            r.cccdSealed = sealed
            r.cccdHash = protector.lookupHash(cccd.digits)
            r.cccdMasked = cccd.masked
        }
        r.phone = phone
        r.hasSmartphone = p.hasSmartphone ?? false
        r.consentOn = consent.iso
        r.consentBy = scope.actor.login
        return .valid(r)
    }

    // MARK: sync

    /// Applies a batch from a phone: each item is created, recognised as already received (`duplicate`), or rejected
    /// with its reasons; what is created is written in one transaction before the answer.
    func sync(_ batch: SyncRequest, describe: (FieldProblem) -> String) async throws -> SyncResponse {
        do {
            return try await syncOnce(batch, describe: describe)
        } catch let error as any DatabaseError where error.isConstraintFailure {
            // Another request wrote one of these ids or numbers between the checks and the insert (two retries of one
            // batch at once): read again, and the items it took are answered `duplicate` or rejected by name.
            return try await syncOnce(batch, describe: describe)
        }
    }

    private func syncOnce(_ batch: SyncRequest, describe: (FieldProblem) -> String) async throws -> SyncResponse {
        let households = batch.households ?? []
        let residents = batch.residents ?? []
        let activities = batch.activities ?? []
        guard households.count + residents.count + activities.count <= Self.maximumBatch else {
            throw AppError.invalid("items", "error.batch_too_large", String(Self.maximumBatch))
        }
        try scope.authorize(.recordSupport)
        let today = clock.today()
        var results: [SyncItemResult] = []
        func reject(_ kind: String, _ id: UUID?, _ problems: [FieldProblem]) {
            results.append(SyncItemResult(kind: kind, id: id, status: "rejected",
                                          errors: problems.map { SyncFieldError(field: $0.field, code: $0.key, args: $0.args, message: describe($0)) }))
        }

        // Hamlets named in the batch, as the actor sees them.
        let codes = Set(households.compactMap(\.hamlet) + residents.compactMap(\.hamlet) + activities.compactMap(\.hamlet))
        var hamlets: [String: Unit] = [:]
        var outside = Set<String>()
        if !codes.isEmpty {
            // Looked up beyond the scope only to answer "outside your area" (403) rather than "unknown".
            for unit in try await Unit.query(on: scope.db).filter(\.$code ~~ Array(codes)).filter(\.$tier == .hamlet)
                .filter(\.$validFrom <= today.iso).filter(\.$validTo >= today.iso).all() {
                if scope.contains(path: unit.path) { hamlets[unit.code] = unit } else { outside.insert(unit.code) }
            }
        }
        func hamletProblem(_ code: String?) -> (String, String) {
            guard let code else { return ("error.required", "") }
            return outside.contains(code) ? ("error.outside_scope", code) : ("error.unknown_unit", code)
        }
        // Ids already received.
        let existingHouseholds = try await existing(Household.self, households.compactMap(\.id))
        let existingResidents = try await existing(Resident.self, residents.compactMap(\.id))
        let existingActivities = try await existing(SupportActivity.self, activities.compactMap(\.id))

        var newHouseholds: [Household] = []
        var householdHamlet: [UUID: (UUID, String)] = [:]
        var seen = Set<UUID>()
        for p in households {
            if let id = p.id, existingHouseholds.contains(id) || seen.contains(id) {
                results.append(SyncItemResult(kind: "household", id: id, status: "duplicate", errors: nil))
                continue
            }
            switch household(p, hamlets: hamlets, hamletProblem: hamletProblem) {
            case let .invalid(problems): reject("household", p.id, problems)
            case let .valid(h):
                seen.insert(h.id!)
                newHouseholds.append(h)
                householdHamlet[h.id!] = (h.hamletID, h.unitPath)
                results.append(SyncItemResult(kind: "household", id: h.id, status: "created", errors: nil))
            }
        }
        // Households referred to by residents and activities that are already stored (in scope).
        let referred = Set(residents.compactMap(\.household) + activities.compactMap(\.household)).subtracting(householdHamlet.keys)
        if !referred.isEmpty {
            for h in try await scope.query(Household.self).filter(\.$id ~~ Array(referred)).all() {
                householdHamlet[h.id!] = (h.hamletID, h.unitPath)
                if !hamlets.values.contains(where: { $0.id == h.hamletID }), let unit = try await Unit.find(h.hamletID, on: scope.db) {
                    hamlets[unit.code] = unit
                }
            }
        }

        var newResidents: [Resident] = []
        var residentInfo: [UUID: (hamlet: UUID, path: String, birthYear: Int, household: UUID?, mergedInto: UUID?)] = [:]
        // One person, one record: numbers already recorded anywhere, and numbers repeated within the batch.
        let holders = try await CitizenIDRegistry(scope: scope).holders(of: residents.compactMap { p in
            p.cccd.flatMap { try? CitizenID(parsing: $0) }.map { protector.lookupHash($0.digits) }
        })
        var numbersInBatch = Set<String>()
        for p in residents {
            if let id = p.id, existingResidents.contains(id) || seen.contains(id) {
                results.append(SyncItemResult(kind: "resident", id: id, status: "duplicate", errors: nil))
                continue
            }
            switch resident(p, hamlets: hamlets, households: householdHamlet, hamletProblem: hamletProblem) {
            case let .invalid(problems): reject("resident", p.id, problems)
            case let .valid(r):
                if !r.cccdHash.isEmpty {
                    if let holder = holders[r.cccdHash] {
                        reject("resident", r.id, [CitizenIDRegistry.problem(holder)])
                        continue
                    }
                    guard numbersInBatch.insert(r.cccdHash).inserted else {
                        reject("resident", r.id, [FieldProblem("cccd", "error.cccd_repeated")])
                        continue
                    }
                }
                seen.insert(r.id!)
                newResidents.append(r)
                residentInfo[r.id!] = (r.hamletID, r.unitPath, r.birthYear, r.householdID, nil)
                results.append(SyncItemResult(kind: "resident", id: r.id, status: "created", errors: nil))
            }
        }
        let referredResidents = Set(activities.compactMap(\.resident)).subtracting(residentInfo.keys)
        if !referredResidents.isEmpty {
            for r in try await scope.query(Resident.self).filter(\.$id ~~ Array(referredResidents)).all() {
                residentInfo[r.id!] = (r.hamletID, r.unitPath, r.birthYear, r.householdID, r.mergedInto)
            }
        }
        // Entries to correct, found through the scope: another area's entries do not exist for this account.
        let correctedIDs = Array(Set(activities.compactMap(\.supersedes)))
        var corrected: [UUID: SupportActivity] = [:]
        for chunk in correctedIDs.chunked(500) {
            for a in try await scope.query(SupportActivity.self).filter(\.$id ~~ chunk).all() { corrected[a.id!] = a }
        }

        let catalogue = Dictionary(try await services().map { ($0.code, $0.service) }, uniquingKeysWith: { a, _ in a })
        var newActivities: [SupportActivity] = []
        let now = clock.now()
        for p in activities {
            if let id = p.id, existingActivities.contains(id) || seen.contains(id) {
                results.append(SyncItemResult(kind: "activity", id: id, status: "duplicate", errors: nil))
                continue
            }
            var problems = Problems()
            if p.id == nil { problems.add("id", "error.required") }
            let service = p.service.flatMap { catalogue[$0] }
            if service == nil { problems.add("service", p.service == nil ? "error.required" : "error.unknown_service", p.service ?? "") }
            let outcome = p.outcome.flatMap(SupportOutcome.init(rawValue:))
            if outcome == nil { problems.add("outcome", "error.choice", SupportOutcome.allCases.map(\.rawValue).joined(separator: ", ")) }
            var reason = ""
            if outcome == .guided {
                if let r = p.reason.flatMap(UnfinishedReason.init(rawValue:)) { reason = r.rawValue } else {
                    problems.add("reason", "error.choice", UnfinishedReason.allCases.map(\.rawValue).joined(separator: ", "))
                }
            }
            let channel = p.channel.map { SupportChannel(rawValue: $0) } ?? .doorToDoor
            if channel == nil { problems.add("channel", "error.choice", SupportChannel.allCases.map(\.rawValue).joined(separator: ", ")) }
            var on = today
            if let raw = p.on, !raw.isEmpty {
                if let d = LocalDate(raw) { on = d } else { problems.add("on", "error.date") }
                if on > today { problems.add("on", "error.future_date") }
                if on < Self.earliestSupport { problems.add("on", "error.date_before", Self.earliestSupport.vietnamese) }
            }
            // Whom: a resident, a household, or an anonymous count at a meeting in a hamlet.
            var hamletID: UUID?
            var path: String?
            if let r = p.resident {
                if let info = residentInfo[r], info.mergedInto != nil {
                    problems.add("resident", "error.resident_merged")
                } else if let info = residentInfo[r] {
                    (hamletID, path) = (info.hamlet, info.path)
                    if let service, service.unit == .person, !service.isEligible(birthYear: info.birthYear, in: on.year) {
                        problems.add("resident", "error.not_eligible", String(service.minimumAge))
                    }
                } else { problems.add("resident", "error.unknown_resident") }
            } else if let h = p.household {
                if let info = householdHamlet[h] { (hamletID, path) = (info.0, info.1) } else { problems.add("household", "error.unknown_household") }
            } else if let count = p.anonymousCount {
                if !(1...Self.maximumAnonymousCount).contains(count) {
                    problems.add("anonymousCount", "error.range", "1", String(Self.maximumAnonymousCount))
                } else if let code = p.hamlet, let unit = hamlets[code] { (hamletID, path) = (unit.id, unit.path) } else {
                    let (key, arg) = hamletProblem(p.hamlet)
                    problems.add("hamlet", key, arg)
                }
            } else {
                problems.add("resident", "error.whom")
            }
            // A correction replaces an entry of the same person (or household) and service, within the account's area.
            if let target = p.supersedes {
                let subject = p.resident ?? p.household
                if let old = corrected[target] ?? newActivities.first(where: { $0.id == target }) {
                    if old.residentID ?? old.householdID != subject || subject == nil || old.serviceCode != service?.code {
                        problems.add("supersedes", "error.supersedes_mismatch")
                    }
                } else {
                    problems.add("supersedes", "error.supersedes_unknown")
                }
            }
            guard problems.list.isEmpty, let id = p.id, let service, let outcome, let channel, let hamletID, let path else {
                reject("activity", p.id, problems.list)
                continue
            }
            seen.insert(id)
            let a = SupportActivity()
            a.id = id
            a.receivedAt = now
            a.hamletID = hamletID
            a.unitPath = path
            a.teamID = nil
            a.recordedBy = scope.actor.userID
            a.residentID = p.resident
            a.householdID = p.resident == nil ? p.household : nil
            a.anonymousCount = p.resident == nil && p.household == nil ? (p.anonymousCount ?? 0) : 0
            a.serviceCode = service.code
            a.outcome = outcome
            a.reason = reason
            a.channel = channel
            a.happenedOn = on.iso
            a.supersedesID = p.supersedes
            newActivities.append(a)
            results.append(SyncItemResult(kind: "activity", id: id, status: "created", errors: nil))
        }

        // Each support is credited to the hamlet's active team, and cannot predate the team's founding decision.
        let activityHamlets = Array(Set(newActivities.map(\.hamletID)))
        if !activityHamlets.isEmpty {
            let teams = try await Team.query(on: scope.db).filter(\.$unitID ~~ activityHamlets).filter(\.$status == .active).all()
            let teamByHamlet = Dictionary(teams.map { ($0.unitID, $0) }, uniquingKeysWith: { a, _ in a })
            var early = Set<UUID>()
            for a in newActivities {
                guard let team = teamByHamlet[a.hamletID] else { continue }
                a.teamID = team.id
                if a.happenedOn < team.decisionDate { early.insert(a.id!) }
            }
            if !early.isEmpty {
                newActivities.removeAll { early.contains($0.id!) }
                let founded = teams.first.flatMap { LocalDate($0.decisionDate) }?.vietnamese ?? ""
                results = results.map { result in
                    guard result.kind == "activity", let id = result.id, early.contains(id) else { return result }
                    let problem = FieldProblem("on", "error.before_team", founded)
                    return SyncItemResult(kind: "activity", id: id, status: "rejected",
                                          errors: [SyncFieldError(field: "on", code: problem.key, args: problem.args, message: describe(problem))])
                }
            }
        }
        let actor = scope.actor
        let (hs, rs, acts) = (newHouseholds, newResidents, newActivities)
        try await scope.db.transaction { db in
            for chunk in hs.chunked(200) { try await chunk.create(on: db) }
            for chunk in rs.chunked(200) { try await chunk.create(on: db) }
            try await Rollups.householdsCreated(Array(hs), on: db)
            try await Rollups.residentsCreated(Array(rs), on: db)
            for r in rs {
                try await AuditLog.record(on: db, actor: actor, at: now, action: .create, entity: "resident", entityID: r.id,
                                          unitPath: r.unitPath, summary: Snapshot.resident(r).fullName, before: Nothing?.none,
                                          after: Snapshot.resident(r))
            }
            for h in hs {
                try await AuditLog.record(on: db, actor: actor, at: now, action: .create, entity: "household", entityID: h.id,
                                          unitPath: h.unitPath, summary: "", before: Nothing?.none, after: Nothing?.none)
            }
            // Supports themselves are the append-only support log (who recorded each, and when it arrived); a
            // correction is also an audited change of the entry it replaces.
            for a in acts {
                guard let old = a.supersedesID else { continue }
                try await AuditLog.record(on: db, actor: actor, at: now, action: .update, entity: "activity", entityID: old,
                                          unitPath: a.unitPath, summary: "\(a.serviceCode): \(a.outcome.rawValue)", before: Nothing?.none,
                                          after: ["supersededBy": a.id!.uuidString.lowercased()])
            }
            try await Self.insert(acts, on: db)
        }
        let created = results.filter { $0.status == "created" }.count
        let duplicates = results.filter { $0.status == "duplicate" }.count
        return SyncResponse(results: results, created: created, duplicates: duplicates, rejected: results.count - created - duplicates)
    }

    private func existing<M: ScopedModel>(_ type: M.Type, _ ids: [UUID]) async throws -> Set<UUID> {
        guard !ids.isEmpty else { return [] }
        // Unscoped on purpose: an id taken anywhere is taken (ids are the phone's, and never reused).
        var found = Set<UUID>()
        for chunk in ids.chunked(500) {
            found.formUnion(try await M.query(on: scope.db).filter(\._$id ~~ Array(chunk)).all(\._$id))
        }
        return found
    }

    /// Writes activities (ignoring ids already present, should a retry race another), keeps the first date each
    /// service was done per resident or household, and updates the rollups, all in the caller's transaction.
    static func insert(_ activities: [SupportActivity], on db: any Database) async throws {
        guard !activities.isEmpty else { return }
        let sql = db as! any SQLDatabase
        let inserted = try await insertRows(activities, ignoringTaken: true, on: sql)
        let acts = activities.filter { inserted.contains($0.id!) }
        guard !acts.isEmpty else { return }
        let superseded = acts.contains { $0.supersedesID != nil }
            ? try await SupportActivity.query(on: db).filter(\.$id ~~ acts.compactMap(\.supersedesID)).all() : []
        // The first-done dates this batch may move, as they were before it.
        var touched = Set<Rollups.StatusKey>()
        for a in acts + superseded where a.outcome == .done {
            if let subject = a.residentID ?? a.householdID { touched.insert(.init(subject: subject, service: a.serviceCode)) }
        }
        // On PostgreSQL, batches of the same hamlets wait for each other from here to their commit: what is read next
        // (first-done dates, households first visited) decides what counts for the first time, and two batches
        // reading it at once would both count the same first time. SQLite has one writer at a time already.
        if sql.dialect.name == "postgresql" {
            let keys = Set((acts + superseded).map { Rollups.lockKey($0.hamletID) }).sorted()
            try await sql.raw("SELECT pg_advisory_xact_lock(k) FROM (SELECT unnest(\(bind: keys)) AS k ORDER BY 1) AS locks").run()
        }
        let before = try await Rollups.statuses(touched, on: db)
        // The earliest done date per resident (or household) and service in this batch, then one upsert per chunk
        // that keeps the earlier of the stored and the new date.
        var earliest: [String: (subject: UUID, service: String, path: String, on: String)] = [:]
        for a in acts where a.outcome == .done {
            guard let subject = a.residentID ?? a.householdID else { continue }
            let key = "\(subject)|\(a.serviceCode)"
            if let known = earliest[key], known.on <= a.happenedOn { continue }
            earliest[key] = (subject, a.serviceCode, a.unitPath, a.happenedOn)
        }
        for chunk in Array(earliest.values).chunked(300) {
            var insert = sql.insert(into: ServiceStatus.schema).columns("id", "subject_id", "service_code", "unit_path", "first_done_on")
            for s in chunk {
                insert = insert.values([SQLBind(UUID()), SQLBind(s.subject), SQLBind(s.service), SQLBind(s.path), SQLBind(s.on)] as [any SQLExpression])
            }
            try await insert.onConflict(with: ["subject_id", "service_code"]) { update in
                update.set(excludedValueOf: "first_done_on")
                    .where(SQLColumn("first_done_on", table: "excluded"), .lessThan, SQLColumn("first_done_on", table: ServiceStatus.schema))
            }.run()
        }
        // A correction supersedes an earlier entry: the statuses it touched are recomputed from what still counts.
        for old in superseded {
            guard let subject = old.residentID ?? old.householdID else { continue }
            try await recomputeStatus(subject: subject, service: old.serviceCode, on: db)
        }
        try await Rollups.activitiesInserted(acts, touched: touched, statusBefore: before, on: db)
    }

    /// Writes activity rows as multi-row INSERTs of 300; with `ignoringTaken`, ids already present are skipped.
    /// Returns the ids written.
    @discardableResult
    static func insertRows(_ activities: [SupportActivity], ignoringTaken: Bool, on sql: any SQLDatabase) async throws -> Set<UUID> {
        var written = Set<UUID>()
        for chunk in activities.chunked(300) {
            var insert = sql.insert(into: SupportActivity.schema)
                .columns("id", "received_at", "hamlet_id", "unit_path", "team_id", "recorded_by", "resident_id", "household_id",
                         "anonymous_count", "service_code", "outcome", "reason", "channel", "happened_on", "supersedes_id")
            for a in chunk {
                insert = insert.values([
                    SQLBind(a.id!), SQLBind(a.receivedAt), SQLBind(a.hamletID), SQLBind(a.unitPath), SQLBind(a.teamID), SQLBind(a.recordedBy),
                    SQLBind(a.residentID), SQLBind(a.householdID), SQLBind(a.anonymousCount), SQLBind(a.serviceCode),
                    SQLBind(a.outcome.rawValue), SQLBind(a.reason), SQLBind(a.channel.rawValue), SQLBind(a.happenedOn), SQLBind(a.supersedesID),
                ] as [any SQLExpression])
            }
            if ignoringTaken {
                for row in try await insert.ignoringConflicts(with: "id").returning("id").all() {
                    written.insert(try row.decode(column: "id", as: UUID.self))
                }
            } else {
                try await insert.run()
                written.formUnion(chunk.map { $0.id! })
            }
        }
        return written
    }

    static func recomputeStatus(subject: UUID, service: String, on db: any Database) async throws {
        let all = try await SupportActivity.query(on: db).group(.or) { $0.filter(\.$residentID == subject).filter(\.$householdID == subject) }
            .filter(\.$serviceCode == service).all()
        // Superseded by any entry, the subject's own corrections or another record's (a merge moves supports away).
        let supersededIDs = all.isEmpty ? Set<UUID>() : Set(try await SupportActivity.query(on: db).filter(\.$supersedesID ~~ all.map(\.id!))
            .all(\.$supersedesID).compactMap { $0 })
        let firstDone = all.filter { $0.outcome == .done && !supersededIDs.contains($0.id!) }.map(\.happenedOn).min()
        try await ServiceStatus.query(on: db).filter(\.$subjectID == subject).filter(\.$serviceCode == service).delete()
        if let firstDone, let any = all.first {
            let status = ServiceStatus()
            status.subjectID = subject
            status.serviceCode = service
            status.unitPath = any.unitPath
            status.firstDoneOn = firstDone
            try await status.create(on: db)
        }
    }


    // MARK: reading

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

    /// The sweep list: the eligible residents (or households, for household services) of a unit's subtree who do not
    /// have the service done yet, grouped by household and ordered by address, with progress.
    func sweep(unit: Unit, serviceCode: String) async throws -> SweepResponse {
        try scope.authorize(.readPersonalData)
        guard let record = try await services().first(where: { $0.code == serviceCode }) else {
            throw AppError.invalid("service", "error.unknown_service", serviceCode)
        }
        guard scope.contains(path: unit.path) || scope.actor.scopePath.hasPrefix(unit.path) else { throw AppError.forbidden }
        let service = record.service
        let year = clock.today().year
        let done = Set(try await scope.query(ServiceStatus.self).under(unit.path, \.$unitPath).filter(\.$serviceCode == service.code)
            .all(\.$subjectID))
        let households = try await scope.query(Household.self).under(unit.path, \.$unitPath).all()
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
            let residents = try await scope.query(Resident.self).under(unit.path, \.$unitPath).filter(\.$mergedInto == nil).all()
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

/// A validated value, or the problems with each field.
enum Checked<Value> {
    case valid(Value)
    case invalid([FieldProblem])
}

extension Snapshot {
    struct ResidentSnapshot: Encodable {
        var fullName: String
        var gender: String
        var birthYear: Int
        var cccd: String
        var phone: String
        var consentOn: String
    }

    /// Personal data in the audit trail is reduced to what identifies nobody once the record is erased:
    /// initials, the masked CCCD and phone.
    static func resident(_ r: Resident) -> ResidentSnapshot {
        let initials = r.fullName.split(separator: " ").compactMap(\.first).map { "\($0)." }.joined()
        return ResidentSnapshot(fullName: initials, gender: r.gender.rawValue, birthYear: r.birthYear, cccd: r.cccdMasked,
                         phone: r.phone.isEmpty ? "" : String(r.phone.prefix(4)) + "***" + String(r.phone.suffix(3)), consentOn: r.consentOn)
    }
}
