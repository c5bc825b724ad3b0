import Fluent
import LanToaCore
import Vapor

/// The resident import page (`/units/{code}/import-residents`), on the shared import page.
enum ResidentImportController {
    static func showResidents(req: Request) async throws -> View {
        try await ImportController.render(req: req, kind: .residents, problems: [], resultText: nil)
    }

    static func submitResidents(req: Request) async throws -> Response {
        try await ImportController.submit(req: req, kind: .residents)
    }
}
