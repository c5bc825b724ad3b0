import Foundation
import LanToaCore
import Vapor

/// Exports of a report and of a review table: XLSX (the project's own writer), CSV with a BOM for Excel, a printable
/// page in the Vietnamese administrative format, and that page as PDF rendered by Chromium.
enum ReportExports {
    enum Format: String {
        case xlsx, csv, pdf, print
    }

    static func format(_ req: Request) throws -> Format {
        let raw = req.query[String.self, at: "format"] ?? "print"
        guard let f = Format(rawValue: raw) else { throw AppError.invalid("format", "error.choice", "xlsx, csv, pdf, print") }
        return f
    }

    static func statusLabel(_ s: ReportStatus, _ req: Request) -> String { req.t("report.status.\(s.rawValue)") }

    /// A report as rows: heading lines, then each field with its value.
    static func rows(_ r: ReportResponse, _ req: Request) -> [[String]] {
        var rows: [[String]] = [
            [r.name], [req.t("report.reporter"), r.reporter.name, r.reporter.unit.name],
            [req.t("field.period"), r.period, req.t("report.deadline"), LocalDate(r.deadline)?.vietnamese ?? r.deadline],
            [req.t("report.status"), statusLabel(r.status, req)], [],
            [req.t("report.field"), req.t("report.value")],
        ]
        for f in r.fields {
            let name = req.language == .en ? f.nameEn : f.name
            switch f.kind {
            case .figure: rows.append([name, r.figures[f.code].map(number) ?? ""])
            case .number: rows.append([name, r.numbers[f.code].map { String($0) } ?? ""])
            case .text: rows.append([name, r.texts[f.code] ?? ""])
            }
        }
        if let inc = r.included {
            rows.append([])
            rows.append([req.t("report.included", String(inc.approved), String(inc.expected))])
            for (k, v) in inc.numbers.sorted(by: { $0.key < $1.key }) { rows.append([name(of: k, r.fields, req), String(v)]) }
        }
        return rows
    }

    /// A review table as rows: the counts, then each reporter.
    static func rows(_ t: ReportReviewResponse, _ req: Request) -> [[String]] {
        var rows: [[String]] = [[t.name], [req.t("dashboard.unit"), t.unit.name, req.t("field.period"), t.period], [],
                                [req.t("dashboard.unit"), req.t("report.expected"), req.t("report.received"), req.t("report.on_time"),
                                 req.t("report.approved"), req.t("report.completeness"), req.t("report.timeliness")]]
        for (name, c) in [(t.unit.name, t.counts)] + t.children.map({ ($0.unit.name, $0.counts) }) {
            rows.append([name, String(c.expected), String(c.received), String(c.onTime), String(c.approved),
                         c.completeness.map(number) ?? "", c.timeliness.map(number) ?? ""])
        }
        if !t.slots.isEmpty {
            rows.append([])
            rows.append([req.t("report.reporter"), req.t("dashboard.unit"), req.t("report.status"), req.t("report.received_at"), req.t("report.on_time")])
            for s in t.slots {
                rows.append([s.reporter.name, s.reporter.unit.name, statusLabel(s.status, req), s.receivedAt.map(stamp) ?? "",
                             s.onTime.map { req.t($0 ? "report.yes" : "report.no") } ?? ""])
            }
        }
        return rows
    }

    static func name(of code: String, _ fields: [ReportTemplateDefinition.Field], _ req: Request) -> String {
        fields.first { $0.code == code }.map { req.language == .en ? $0.nameEn : $0.name } ?? code
    }

    static func number(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(format: "%.1f", v)
    }

    static func stamp(_ d: Date) -> String {
        let local = LocalDate(d, timeZone: AppClock.vietnam)
        var c = Calendar(identifier: .gregorian)
        c.timeZone = AppClock.vietnam
        let h = c.component(.hour, from: d), m = c.component(.minute, from: d)
        return String(format: "%02d:%02d ", h, m) + local.vietnamese
    }

    /// The file response for rows.
    static func file(_ rows: [[String]], name: String, format: Format, sheet: String) throws -> Response {
        let response = Response(status: .ok)
        switch format {
        case .xlsx:
            response.body = .init(data: try XLSXWriter.workbook(sheetName: sheet, rows: rows, columnWidths: [40, 18, 18, 18, 14, 14, 14]))
            response.headers.contentType = HTTPMediaType(type: "application", subType: "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        default:
            response.body = .init(data: CSVWriter.document(rows))
            response.headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
        }
        response.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"\(name).\(format == .xlsx ? "xlsx" : "csv")\"")
        return response
    }

    /// A printed page as PDF: the page's HTML written to a private temporary folder and printed by headless Chromium
    /// (`LANTOA_CHROMIUM`, else `chromium` on the PATH). Without Chromium the answer is 503 naming it.
    static func pdf(html: String, name: String, on req: Request) async throws -> Response {
        let browser = Environment.get("LANTOA_CHROMIUM") ?? "/usr/bin/chromium"
        guard FileManager.default.isExecutableFile(atPath: browser) else { throw Abort(.serviceUnavailable, reason: "Chromium is not installed on the server.") }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lantoa-pdf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(at: dir) }
        let page = dir.appendingPathComponent("page.html"), out = dir.appendingPathComponent("page.pdf")
        try Data(html.utf8).write(to: page)
        // Waited for without holding a thread (the app's thread pool also runs SQLite); a browser that hangs is
        // stopped after a minute.
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            let p = Process()
            p.executableURL = URL(fileURLWithPath: browser)
            p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer", "--user-data-dir=\(dir.path)/profile",
                           "--print-to-pdf=\(out.path)", page.absoluteString]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            p.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try p.run()
                DispatchQueue.global().asyncAfter(deadline: .now() + 60) { if p.isRunning { p.terminate() } }
            } catch {
                continuation.resume(throwing: error)
            }
        }
        guard status == 0, let data = try? Data(contentsOf: out) else {
            throw Abort(.serviceUnavailable, reason: "Chromium did not print the page.")
        }
        let response = Response(status: .ok, body: .init(data: data))
        response.headers.contentType = HTTPMediaType(type: "application", subType: "pdf")
        response.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"\(name).pdf\"")
        return response
    }
}
