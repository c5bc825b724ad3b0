import Foundation
import LanToaCore
import Testing

@Suite("Citizen IDs and eligibility")
struct CitizenIDTests {
    @Test("A CCCD number is checked against province, gender and birth year, and masked")
    func cccdRules() throws {
        let id = try CitizenID(parsing: "001 185 067 891", gender: .female, birthYear: 1985)
        #expect(id.digits == "001185067891" && id.masked == "001*******91")
        #expect(try CitizenID(parsing: "079301098765", gender: .female, birthYear: 2001).masked.hasPrefix("079"))
        #expect(throws: CitizenID.Problem.notTwelveDigits) { try CitizenID(parsing: "00118506789") }
        #expect(throws: CitizenID.Problem.unknownProvince) { try CitizenID(parsing: "003185067891") }
        #expect(throws: CitizenID.Problem.genderMismatch) { try CitizenID(parsing: "001185067891", gender: .male) }
        #expect(throws: CitizenID.Problem.birthYearMismatch) { try CitizenID(parsing: "001185067891", gender: .female, birthYear: 1986) }
        #expect(throws: CitizenID.Problem.birthYearMismatch) { try CitizenID(parsing: "001085067891", birthYear: 2085) }
    }

    @Test("Eligibility counts age by year; the catalogue has the three pillars")
    func eligibility() {
        let vneid = DigitalService.nationalDefaults.first { $0.code == "vneid_level2" }!
        #expect(vneid.isEligible(birthYear: 2012, in: 2026) && !vneid.isEligible(birthYear: 2013, in: 2026))
        #expect(Set(DigitalService.nationalDefaults.map(\.pillar)) == Set(Pillar.allCases))
        #expect(Set(DigitalService.nationalDefaults.map(\.code)).count == DigitalService.nationalDefaults.count)
    }

    @Test("A resident list with a bad CCCD names the row and column, never the number")
    func residentRows() {
        var rows = [ResidentImport.Column.allCases.map(\.header)]
        rows.append(["Thôn A", "Số 1", "Lê B", "Lê B", "Nam", "1980", "001080012345", "", "có", "01/11/2026"])
        rows.append(["Thôn A", "Số 1", "Lê B", "Trần C", "Nữ", "1980", "001080012346", "", "", "01/11/2026"])
        let checked = ResidentImport.check(Table(rows: rows), today: LocalDate("2026-11-22")!)
        #expect(checked.rows.count == 1 && checked.rows[0].hasSmartphone)
        #expect(checked.problems == [TeamImport.Problem(row: 3, column: "Số CCCD", key: "cccd_genderMismatch")])
    }
}
