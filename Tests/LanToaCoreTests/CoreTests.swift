import Foundation
import LanToaCore
import Testing

@Suite("Vietnamese text, phones and dates")
struct TextTests {
    @Test("Folding removes diacritics wherever the tone mark sits")
    func folding() {
        #expect(TextFolding.fold("Lạng Sơn") == "lang son")
        #expect(TextFolding.fold("  Đồng   Nai ") == "dong nai")
        #expect(TextFolding.fold("Hòa Bình") == TextFolding.fold("Hoà Bình"))
        #expect(TextFolding.fold("Thủy") == TextFolding.fold("Thuỷ"))
        #expect(TextFolding.matches("Phường Văn Miếu - Quốc Tử Giám", query: "quoc tu giam"))
        #expect(!TextFolding.matches("Lạng Sơn", query: "long son"))
    }

    @Test("Mobile numbers are normalised; landlines and garbage are refused")
    func phones() throws {
        #expect(try PhoneNumber(parsing: "+84 912 345 678").digits == "0912345678")
        #expect(try PhoneNumber(parsing: "84912345678").digits == "0912345678")
        #expect(try PhoneNumber(parsing: "912345678").digits == "0912345678")
        #expect(try PhoneNumber(parsing: "0386.123.456").formatted == "0386 123 456")
        #expect(throws: PhoneNumber.Problem.notMobile) { try PhoneNumber(parsing: "0243 123 4567".replacingOccurrences(of: " ", with: "").dropLast().description) }
        #expect(throws: PhoneNumber.Problem.wrongLength) { try PhoneNumber(parsing: "09123") }
        #expect(throws: PhoneNumber.Problem.notDigits) { try PhoneNumber(parsing: "09123abcde") }
        #expect(throws: PhoneNumber.Problem.empty) { try PhoneNumber(parsing: " ") }
    }

    @Test("Dates read ISO and Vietnamese forms and refuse impossible days")
    func dates() {
        #expect(LocalDate("2025-07-01")?.vietnamese == "01/07/2025")
        #expect(LocalDate("1/7/2025")?.iso == "2025-07-01")
        #expect(LocalDate("29/02/2025") == nil)
        #expect(LocalDate("29/02/2024") != nil)
        #expect(LocalDate("2025-07-01")!.previousDay.iso == "2025-06-30")
        #expect(LocalDate("2025-01-01")!.previousDay.iso == "2024-12-31")
        #expect(TeamImport.parseDate("45884")?.iso == "2025-08-15")
        #expect(NumberFormatting.grouped(1234567) == "1.234.567")
        #expect(NumberFormatting.grouped(-1000, separator: ",") == "-1,000")
    }

    @Test("Hamlet kinds are read from names")
    func hamletKinds() {
        #expect(UnitKind.hamletKind(fromName: "Thôn Nà Sản") == .thon)
        #expect(UnitKind.hamletKind(fromName: "Tổ dân phố số 3") == .toDanPho)
        #expect(UnitKind.hamletKind(fromName: "TDP 3") == .toDanPho)
        #expect(UnitKind.hamletKind(fromName: "khu pho 2") == .khuPho)
        #expect(UnitKind.hamletKind(fromName: "Ấp Bình Thạnh") == .ap)
        #expect(UnitKind.hamletKind(fromName: "Nà Sản") == nil)
    }
}

@Suite("Composition rules")
struct CompositionTests {
    let head = CompositionMember(role: .leader, affiliations: [.hamletHead])
    let deputy = CompositionMember(role: .deputy, affiliations: [])
    let member = CompositionMember(role: .member, affiliations: [.youthUnion])

    @Test("A team of four has a minimum-size finding")
    func teamWithFourMembers_isNotCompliant() {
        let findings = Composition.check(members: [head, deputy, member, member], teamTier: .hamlet, policy: .national)
        #expect(findings == [.tooFewMembers(count: 4, minimum: 5)])
    }

    @Test("Five with a hamlet-head leader and a deputy is compliant")
    func completeTeam_isCompliant() {
        #expect(Composition.check(members: [head, deputy, member, member, member], teamTier: .hamlet, policy: .national).isEmpty)
    }

    @Test("Leaders, deputies and the hamlet-head rule are named; provinces set their own limits")
    func namedFindings() {
        let plainLeader = CompositionMember(role: .leader, affiliations: [])
        var findings = Composition.check(members: [plainLeader, plainLeader, member, member, member], teamTier: .hamlet, policy: .national)
        #expect(findings == [.severalLeaders(count: 2), .noDeputy])
        findings = Composition.check(members: [plainLeader, deputy, member, member, member], teamTier: .hamlet, policy: .national)
        #expect(findings == [.leaderNotHamletHead])
        #expect(Composition.check(members: [plainLeader, deputy, member, member, member], teamTier: .commune, policy: .national).isEmpty)
        let tuyenQuang = CompositionPolicy(minimumMembers: 3, maximumMembersHamlet: 5, maximumMembersCommune: 10, leaderMustBeHamletHead: false)
        findings = Composition.check(members: [plainLeader, deputy, member, member, member, member], teamTier: .hamlet, policy: tuyenQuang)
        #expect(findings == [.tooManyMembers(count: 6, maximum: 5)])
        #expect(Composition.check(members: [], teamTier: .hamlet, policy: .national).map(\.code) == ["too_few_members", "no_leader", "no_deputy"])
    }
}

@Suite("Spreadsheets")
struct SpreadsheetTests {
    @Test("A workbook written by XLSXWriter reads back cell for cell, with Vietnamese text")
    func xlsxRoundTrip() throws {
        let rows = [["Thôn/Tổ dân phố", "Họ và tên"], ["Thôn Nà Sản", "Hoàng Văn Minh & <Lan>"], ["", "Trần Thị Ánh"]]
        let data = try XLSXWriter.workbook(sheetName: "Tổ", rows: rows)
        #expect(try Table.read(data).rows == rows)
    }

    @Test("CSV with BOM, quotes, semicolons and CRLF")
    func csvVariants() throws {
        let text = "\u{FEFF}a;b;c\r\n\"x; y\";\"say \"\"hi\"\"\";3\r\n\r\n"
        #expect(try Table.read(Data(text.utf8)).rows == [["a", "b", "c"], ["x; y", "say \"hi\"", "3"]])
        #expect(throws: Table.ReadError.empty) { try Table.read(Data("\n\n".utf8)) }
        #expect(throws: Table.ReadError.notUTF8) { try Table.read(Data([0xFF, 0xFE, 0x00])) }
    }

    @Test("An import plan groups rows by hamlet and reports every bad cell with its row")
    func importPlan() {
        let header = TeamImport.Column.allCases.map(\.header)
        let ok = ["Thôn A", "", "1/QĐ", "15/08/2025", "Lê B", "Lê C", "0911111111", "Nam", "1980", "Tổ trưởng", "Trưởng thôn"]
        var second = ok
        second[5] = "Lê D"; second[6] = "0911111112"; second[9] = "Tổ phó"; second[10] = ""
        guard case let .valid(plan) = TeamImport.plan(Table(rows: [header, ok, second]), today: LocalDate("2026-11-22")!) else {
            Issue.record("expected a valid plan"); return
        }
        #expect(plan.teams.count == 1 && plan.memberCount == 2 && plan.teams[0].name == "Tổ CNSCĐ Thôn A")
        var bad = ok
        bad[6] = "0911111111"; bad[8] = "abc"; bad[10] = "Hội Bóng Đá"
        guard case let .invalid(problems) = TeamImport.plan(Table(rows: [header, ok, bad]), today: LocalDate("2026-11-22")!) else {
            Issue.record("expected problems"); return
        }
        #expect(problems.map { "\($0.row)|\($0.column)" } == ["3|Số điện thoại", "3|Năm sinh", "3|Chức danh, đoàn thể"])
        guard case let .invalid(missing) = TeamImport.plan(Table(rows: [["Họ và tên"]]), today: LocalDate("2026-11-22")!) else {
            Issue.record("expected missing columns"); return
        }
        #expect(missing.contains { $0.key == "missing_column" && $0.args == ["Số điện thoại"] })
    }
}

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

@Suite("UUID text")
struct UUIDTextTests {
    @Test("Parses and prints like Foundation, in either case, and refuses malformed text")
    func roundTrip() {
        for _ in 0..<2000 {
            let id = UUID()
            #expect(UUIDText.upper(id) == id.uuidString)
            #expect(UUIDText.parse(id.uuidString) == id)
            #expect(UUIDText.parse(id.uuidString.lowercased()) == id)
            #expect(UUIDText.parse(("|" + id.uuidString + "|").dropFirst().dropLast()) == id)
        }
        let good = "C31FE8F3-0E25-47C4-9FBC-C6343820DEBA"
        for bad in ["", "C31FE8F3-0E25-47C4-9FBC-C6343820DEB", good + "0", good.replacingOccurrences(of: "-", with: "_"),
                    "G31FE8F3-0E25-47C4-9FBC-C6343820DEBA", "C31FE8F30E2547C49FBCC6343820DEBA----"] {
            #expect(UUIDText.parse(bad) == nil, "\(bad)")
        }
    }
}
