import Foundation
import LanToaCore
import Testing
@testable import App

@Suite("Hostile spreadsheets are refused with the limit named, and the server keeps answering")
struct HostileSpreadsheetTests {
    @Test("Cell references are read within Excel's bounds with checked arithmetic")
    func cellReferences() {
        #expect(Table.columnIndex("A1") == 0)
        #expect(Table.columnIndex("XFD1") == Table.excelColumns - 1)
        #expect(Table.columnIndex("XFE1") == nil)
        #expect(Table.columnIndex("AAAAAAAAAAAAAAAA1") == nil)
        #expect(Table.columnIndex(String(repeating: "Z", count: 40)) == nil)
        #expect(Table.rowNumber("1048576") == Table.excelRows)
        #expect(Table.rowNumber("1048577") == nil)
        #expect(Table.rowNumber("999999999999") == nil)
        #expect(Table.rowNumber("-3") == nil)
    }

    @Test("The reported 1-KB workbook, a row numbered 999,999,999,999 and entity expansion are not spreadsheets")
    func malformedWorkbooks() throws {
        let overflow = try HostileFiles.overflowingColumn()
        #expect(overflow.count < 2048)
        #expect(throws: Table.ReadError.notASpreadsheet("cell reference AAAAAAAAAAAAAAAA1")) { try Table.read(overflow) }
        #expect(throws: Table.ReadError.notASpreadsheet("row number 999999999999")) { try Table.read(HostileFiles.farRow()) }
        #expect(throws: Table.ReadError.notASpreadsheet("document type declaration")) { try Table.read(HostileFiles.entityExpansion()) }
    }

    @Test("A zip bomb stops at the inflated-bytes limit, whether its headers tell the truth or not")
    func zipBombs() throws {
        let limit = Table.Limits.imports.inflatedBytes
        let honest = try HostileFiles.zipBomb(megabytes: 80)
        #expect(honest.count < 200 * 1024)
        #expect(throws: Table.ReadError.tooLarge(limit: limit)) { try Table.read(honest) }
        let lying = try HostileFiles.lyingZipBomb(megabytes: 80)
        #expect(throws: Table.ReadError.tooLarge(limit: limit)) { try Table.read(lying) }
    }

    @Test("Data rows and filled columns are capped; empty cells far right are ignored")
    func rowAndColumnLimits() throws {
        let limits = Table.Limits(dataRows: 3, columns: 4, inflatedBytes: 1 << 20)
        let header = #"<row r="1">\#(HostileFiles.inline("A1", "h"))</row>"#
        func row(_ n: Int, _ column: String = "A", _ text: String = "x") -> String {
            "<row r=\"\(n)\">" + HostileFiles.inline(column + String(n), text) + "</row>"
        }
        let fits = try HostileFiles.workbook(sheet: HostileFiles.sheet(header + row(2) + row(4) + row(3, "E", " ")))
        #expect(try Table.read(fits, limits: limits).rows == [["h"], ["x"], [], ["x"]])
        let tooLow = try HostileFiles.workbook(sheet: HostileFiles.sheet(header + row(5)))
        #expect(throws: Table.ReadError.tooManyRows(limit: 3)) { try Table.read(tooLow, limits: limits) }
        // The last row Excel has, empty, costs nothing; filled, it is past the limit.
        let lastEmpty = try HostileFiles.workbook(sheet: HostileFiles.sheet(header + #"<row r="1048576"/>"#))
        #expect(try Table.read(lastEmpty, limits: limits).rows == [["h"]])
        let lastFilled = try HostileFiles.workbook(sheet: HostileFiles.sheet(header + row(1_048_576)))
        #expect(throws: Table.ReadError.tooManyRows(limit: Table.Limits.imports.dataRows)) { try Table.read(lastFilled, limits: .imports) }
        let wide = try HostileFiles.workbook(sheet: HostileFiles.sheet(header + row(2, "E")))
        #expect(throws: Table.ReadError.tooManyColumns(limit: 4)) { try Table.read(wide, limits: limits) }

        let csvRows = (0...3).map { "r\($0),a,b" }.joined(separator: "\n")
        #expect(try Table.read(Data(csvRows.utf8), limits: limits).rows.count == 4)
        #expect(throws: Table.ReadError.tooManyRows(limit: 3)) { try Table.read(Data((csvRows + "\nr4,a,b").utf8), limits: limits) }
        #expect(throws: Table.ReadError.tooManyColumns(limit: 4)) { try Table.read(Data("a,b,c,d,e".utf8), limits: limits) }
        #expect(try Table.read(Data("a,b,c,d,,,,".utf8), limits: limits).rows == [["a", "b", "c", "d"]])
    }

    @Test("Exported cells that start like a formula are neutralised, and read back as typed")
    func formulaInjection() throws {
        let rows = [["Họ và tên", "Ghi chú"], ["=HYPERLINK(\"http://x\")", "+84912345678"], ["-1", "@SUM(A1)"], ["Bình thường", "a=b"]]
        let data = try XLSXWriter.workbook(sheetName: "T", rows: rows)
        #expect(XLSXWriter.neutralised("=1+1") == "'=1+1")
        #expect(XLSXWriter.neutralised("@x") == "'@x")
        #expect(XLSXWriter.neutralised("a=b") == "a=b")
        let sheetXML = try HostileFiles.entry("xl/worksheets/sheet1.xml", of: data)
        #expect(sheetXML.contains("&apos;=HYPERLINK") || sheetXML.contains("'=HYPERLINK"))
        #expect(!sheetXML.contains(">=HYPERLINK"))
        #expect(try Table.read(data).rows == rows)
    }

    /// Inputs the libFuzzer run (Tools/fuzz.sh) found to trap or hang the ZIP and XML readers used before.
    static func hex(_ text: String) -> Data {
        Data(stride(from: 0, to: text.count, by: 2).map { i in
            UInt8(text[text.index(text.startIndex, offsetBy: i)..<text.index(text.startIndex, offsetBy: i + 2)], radix: 16)!
        })
    }

    @Test("Archives that trapped or looped the ZIP reader, and XML names that are not UTF-8, are refused as not spreadsheets")
    func fuzzFindings() throws {
        // An end-of-directory record pointing past the data: ZIPFoundation trapped on the range.
        #expect(throws: Table.ReadError.self) { try Table.read(Self.hex("504b0304504b050600000000010001002e000000000001000000")) }
        // A deflate stream that ends before its end: ZIPFoundation inflated forever.
        let truncated = Self.hex("504b03041400000008000000000000000000090000000400000018000000786c2f776f726b7368656574732f7368656574312e786d6c00ffff00003c782f3e504b0102140014000000080000000000000000000900000004000000180000000000000000000000000000000000786c2f776f726b7368656574732f7368656574312e786d6c504b05060000000001000100460000003f0000000000")
        #expect(throws: Table.ReadError.self) { try Table.read(truncated) }
        // A tag name that is not UTF-8: Foundation's XML parser trapped.
        #expect(throws: Table.ReadError.notASpreadsheet("not UTF-8")) {
            try Table.read(HostileFiles.workbook(sheetBytes: Data([0x3C, 0xFF, 0xFF, 0xFF, 0x67])))
        }
        // A processing instruction without data: Foundation's XML parser read a null pointer.
        #expect(throws: Table.ReadError.notASpreadsheet("processing instruction")) {
            try Table.read(HostileFiles.workbook(sheet: "<?xml?>" + HostileFiles.sheet("")))
        }
        #expect(throws: Table.ReadError.notASpreadsheet("processing instruction")) {
            try Table.read(HostileFiles.workbook(sheet: HostileFiles.sheet("<?pi?>")))
        }
        // The year before 1000 is not a four-digit text: its period is still built.
        #expect(ReportPeriod("1000")?.previous.start.year == 999)
    }

    @Test("Over HTTP a member's hostile uploads are refused with the limit named, nothing is written, and the server answers",
          arguments: Engine.available)
    func overHTTP(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let member = try await t.account("tv", role: .member, scope: Fixtures.communeB)
            let path = "/api/v1/units/\(Fixtures.communeB)/resident-imports"
            let xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

            let overflow = try await t.send(.POST, path, token: member, body: try HostileFiles.overflowingColumn(), contentType: xlsx)
            #expect(overflow.status == .unprocessableEntity)
            let rows = try overflow.json()["rows"] as? [[String: Any]]
            #expect(rows?.first?["message"] as? String == "Không đọc được tệp: cần .xlsx hoặc .csv (UTF-8)")

            let far = try await t.send(.POST, path, token: member, body: try HostileFiles.farRow(), contentType: xlsx)
            #expect(far.status == .unprocessableEntity)

            let bomb = try await t.send(.POST, path, token: member, body: try HostileFiles.lyingZipBomb(megabytes: 80), contentType: xlsx)
            #expect(bomb.status == .payloadTooLarge)
            #expect(bomb.headers.first(name: "Content-Type")?.hasPrefix("application/problem+json") == true)
            #expect((try bomb.json()["detail"] as? String)?.contains("64 MB") == true)

            var csv = "Thôn/Tổ dân phố,Họ và tên\n"
            for i in 0...Table.Limits.imports.dataRows { csv += "Thôn 1,Người \(i)\n" }
            let long = try await t.send(.POST, path, token: member, body: Data(csv.utf8), contentType: "text/csv")
            #expect(long.status == .unprocessableEntity)
            let longRows = try long.json()["rows"] as? [[String: Any]]
            #expect(longRows?.first?["message"] as? String == "Tệp có hơn 20000 dòng dữ liệu; hãy chia thành nhiều tệp (ví dụ mỗi thôn một tệp)")

            #expect(try await Resident.query(on: t.app.db).count() == 0)
            #expect(try await Household.query(on: t.app.db).count() == 0)
            let health = try await t.send(.GET, "/health")
            #expect(health.status == .ok)
            let me = try await t.send(.GET, "/api/v1/me", token: member)
            #expect(me.status == .ok)
        }
    }
}
