import LanToaResources
import Vapor

/// Serves the OpenAPI 3.1 document (`Resources/Data/openapi.json`), kept true by `OpenAPITests`.
enum OpenAPIController {
    static func document(req: Request) async throws -> Response {
        let path = LanToaResources.directory("Data") + "openapi.json"
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let response = Response(status: .ok, body: .init(data: data))
        response.headers.contentType = .json
        return response
    }
}
