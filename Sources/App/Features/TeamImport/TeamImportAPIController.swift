import Fluent
import LanToaCore
import Vapor

/// `POST /api/v1/units/{code}/team-imports` and the team template.
enum TeamImportAPIController {
    static func importTeams(req: Request) async throws -> Response {
        let scope = try req.scope
        guard let buffer = req.body.data, buffer.readableBytes > 0 else { throw AppError.invalid("body", "error.file_missing") }
        let outcome = try await TeamImportService(scope: scope, clock: req.clock, reader: req.tableReader)
            .importFile(Data(buffer: buffer), communeCode: try req.parameters.require("code"))
        return try await ImportResultResponse(teams: outcome.teams, members: outcome.members, hamletsCreated: outcome.hamletsCreated)
            .encodeResponse(status: .created, for: req)
    }

    static func template(req: Request) async throws -> Response {
        let data = try XLSXWriter.workbook(sheetName: "Tổ CNSCĐ", rows: TeamImport.templateRows,
                                           columnWidths: [22, 28, 16, 16, 22, 24, 14, 10, 10, 12, 28])
        let response = Response(status: .ok, body: .init(data: data))
        response.headers.contentType = HTTPMediaType(type: "application", subType: "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response.headers.contentDisposition = .init(.attachment, filename: "mau-nhap-to-cnscd.xlsx")
        return response
    }
}
