import Fluent
import Foundation
import LanToaCore
import SQLKit

/// The rules for a household or a resident sent by a phone or typed in: each field checked, each problem named.
extension SupportLogService {
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
}

/// A validated value, or the problems with each field.
enum Checked<Value> {
    case valid(Value)
    case invalid([FieldProblem])
}
