import Foundation
import LanToaCore
import Testing
import Vapor
@testable import App

@Suite("Report exports: CSV for Excel, XLSX that LibreOffice reads, the printable administrative page and its PDF")
struct ReportExportTests {
    /// A team's approved October report, seen by the commune's web session.
    static func approvedReport(_ t: TestApp) async throws -> (session: WebSession, page: String, team: String) {
        let v = try await OutreachTests.village(t)
        let team = try await t.team(for: v.hamlet, token: v.commune)
        let path = ReportTests.path(team, "2026-11")
        let sent = try await t.send(.POST, path + "/submit", token: v.leader, json: ReportEntriesRequest(
            numbers: ["products_online": 15, "phones_donated": 3], texts: ["results": "Hỗ trợ, \"kích hoạt\" VNeID", "proposals": "=1+1"]))
        #expect(sent.status == .ok)
        #expect(try await t.send(.POST, path + "/approve", token: v.commune, json: ReportReasonRequest()).status == .ok)
        let session = try await WebSession.signIn(t, login: "xa", password: "mat-khau-123")
        return (session, "/reports/to_thang/2026-11/\(team.lowercased())", team)
    }

    @Test("CSV has a BOM, quotes what needs it and neutralises formulas; the printable page has the national title, motto, unit, place and date",
          arguments: Engine.available)
    func csvAndPrint(engine: Engine) async throws {
        try await TestApp.run(engine) { t in
            let (session, page, _) = try await Self.approvedReport(t)
            let csv = try await session.send(.GET, page + "/export?format=csv")
            #expect(csv.status == .ok && csv.headers.first(name: .contentType)?.hasPrefix("text/csv") == true)
            #expect(Array(csv.body.prefix(3)) == [0xEF, 0xBB, 0xBF])
            let rows = try Table.readCSV(csv.body).rows
            #expect(rows.contains(["Số sản phẩm được đưa lên sàn thương mại điện tử", "15"]))
            #expect(rows.contains(["Kết quả nổi bật", "Hỗ trợ, \"kích hoạt\" VNeID"]))
            #expect(csv.text.contains("\"'=1+1\"") || csv.text.contains("'=1+1"))
            let printed = try await session.send(.GET, page + "/export?format=print")
            #expect(printed.status == .ok)
            for text in ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "ngày 22 tháng 11 năm 2026", "Nơi nhận:", "TỔ TRƯỞNG",
                         "BÁO CÁO", "Báo cáo tháng của Tổ CNSCĐ – kỳ 2026-11", "Tổ dân phố 3", "/BC-TCNSCĐ"] {
                #expect(printed.text.contains(text), "\(text)")
            }
            let table = try await session.send(.GET, "/reports/export?template=to_thang&period=2026-11&unit=\(Fixtures.communeA)&format=csv")
            #expect(table.status == .ok)
            let tableRows = try Table.readCSV(table.body).rows
            #expect(tableRows.contains { $0.first == "Tổ dân phố 3" || $0.contains("Đã duyệt") })
            #expect(try await session.send(.GET, page + "/export?format=doc").status == .unprocessableEntity)
            // A period typed wrong on the review page is named there.
            let wrong = try await session.send(.GET, "/reports?template=to_thang&period=2026-13")
            #expect(wrong.status == .unprocessableEntity && wrong.text.contains("Kỳ báo cáo: kỳ không hợp lệ cho mẫu này"))
            #expect(try await session.send(.GET, "/reports?template=to_thang&period=2026-13&for=to_thang").status == .unprocessableEntity)
            // Another template chosen in the form: the period typed for the first gives way to the new one's last ended period.
            let switched = try await session.send(.GET, "/reports?template=xa_thang&period=2026-13&for=to_thang")
            #expect(switched.status == .ok && switched.text.contains("name=\"period\" value=\"2026-10\""))
        }
    }

    @Test("The XLSX export converted by LibreOffice gives the CSV export's values; the PDF printed by Chromium holds the motto and the unit's name",
          .enabled(if: ["LANTOA_SOFFICE", "LANTOA_CHROMIUM"].allSatisfy { !(ProcessInfo.processInfo.environment[$0] ?? "").isEmpty }))
    func xlsxAndPDF() async throws {
        try await TestApp.run(.sqlite) { t in
            let (session, page, _) = try await Self.approvedReport(t)
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lantoa-export-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            for (name, link) in [("report", page + "/export"),
                                 ("table", "/reports/export?template=to_thang&period=2026-11&unit=\(Fixtures.communeA)")] {
                let xlsx = try await session.send(.GET, link + (link.contains("?") ? "&" : "?") + "format=xlsx")
                #expect(xlsx.status == .ok && xlsx.body.prefix(2) == Data("PK".utf8))
                try xlsx.body.write(to: dir.appendingPathComponent("\(name).xlsx"))
                try await Self.run(ProcessInfo.processInfo.environment["LANTOA_SOFFICE"]!, [
                    "-env:UserInstallation=file://\(dir.path)/profile", "--headless", "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76",
                    "--outdir", dir.path, dir.appendingPathComponent("\(name).xlsx").path])
                let converted = try Table.readCSV(try Data(contentsOf: dir.appendingPathComponent("\(name).csv"))).rows
                let csv = try Table.readCSV(try await session.send(.GET, link + (link.contains("?") ? "&" : "?") + "format=csv").body).rows
                // LibreOffice writes every row to the widest row's width: compare without trailing empty cells.
                func trimmed(_ rows: [[String]]) -> [[String]] { rows.map { Array($0.reversed().drop { $0.isEmpty }.reversed()) } }
                #expect(trimmed(converted) == trimmed(csv))
                #expect(converted.count > 8)
            }
            let pdf = try await session.send(.GET, page + "/export?format=pdf")
            #expect(pdf.status == .ok && pdf.body.prefix(4) == Data("%PDF".utf8))
            try pdf.body.write(to: dir.appendingPathComponent("report.pdf"))
            try await Self.run("/usr/bin/pdftotext", ["-enc", "UTF-8", dir.appendingPathComponent("report.pdf").path, dir.appendingPathComponent("report.txt").path])
            // Lines wrap in the columns of the page: compared with white space collapsed.
            let text = try String(contentsOf: dir.appendingPathComponent("report.txt"), encoding: .utf8)
                .split(whereSeparator: \.isWhitespace).joined(separator: " ")
            for expected in ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "TỔ DÂN PHỐ 3"] {
                #expect(text.contains(expected), "\(expected) in \(text.prefix(400))")
            }
        }
    }

    /// Runs a tool to its end without holding one of the few threads the other suites' tasks run on.
    static func run(_ tool: String, _ arguments: [String]) async throws {
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            let p = Process()
            p.executableURL = URL(fileURLWithPath: tool)
            p.arguments = arguments
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            p.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try p.run() } catch { continuation.resume(throwing: error) }
        }
        guard status == 0 else { throw TestFailure("\(tool) exited with \(status)") }
    }
}
