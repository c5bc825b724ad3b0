import Fluent
import LanToaCore
import Vapor

/// `POST /api/v1/units/{code}/resident-imports` and the resident template.
enum ResidentImportAPIController {
    static func importResidents(req: Request) async throws -> Response {
        guard let buffer = req.body.data, buffer.readableBytes > 0 else { throw AppError.invalid("body", "error.file_missing") }
        let outcome = try await ResidentImportService(scope: try req.scope, clock: req.clock, protector: req.application.protector, reader: req.tableReader)
            .importFile(Data(buffer: buffer), unitCode: try req.parameters.require("code"))
        return try await ResidentImportResponse(households: outcome.households, residents: outcome.residents).encodeResponse(status: .created, for: req)
    }

    static func residentTemplate(req: Request) async throws -> Response {
        let data = try XLSXWriter.workbook(sheetName: "Người dân", rows: ResidentImport.templateRows,
                                           columnWidths: [18, 22, 22, 24, 10, 10, 16, 14, 12, 14])
        let response = Response(status: .ok, body: .init(data: data))
        response.headers.contentType = HTTPMediaType(type: "application", subType: "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response.headers.contentDisposition = .init(.attachment, filename: "mau-nhap-nguoi-dan.xlsx")
        return response
    }
}
