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
