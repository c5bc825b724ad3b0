import AsyncKit
import PostgresNIO
import SQLiteNIO
import LanToaCore
import Leaf
import LeafKit
import Vapor

/// Maps every error once: `application/problem+json` (RFC 9457) under `/api` and for Zalo's webhook, a friendly page
/// elsewhere.
struct ErrorPageMiddleware: AsyncMiddleware {
    struct Problem: Content {
        struct FieldError: Content {
            var field: String
            var code: String
            var message: String
        }

        var type: String
        var title: String
        var status: Int
        var detail: String?
        var errors: [FieldError]?
        var rows: [ImportProblemResponse]?
    }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: request)
        } catch {
            return await response(for: error, request: request)
        }
    }

    func problem(for error: any Error, request: Request) -> (HTTPResponseStatus, Problem) {
        switch error {
        case let app as AppError:
            var p = Problem(type: "urn:lantoa:problem:\(app.titleKey.replacingOccurrences(of: "error.", with: ""))",
                            title: request.t(app.titleKey), status: Int(app.status.code))
            switch app {
            case let .invalid(fields):
                p.errors = fields.map { .init(field: $0.field, code: $0.key, message: message(for: $0, request: request)) }
                p.detail = p.errors?.map { "\($0.field): \($0.message)" }.joined(separator: "; ")
            case let .conflict(field):
                p.errors = [.init(field: field.field, code: field.key, message: message(for: field, request: request))]
                p.detail = p.errors?.first?.message
            case let .importRejected(rows):
                p.rows = rows.map { request.application.catalogue.describe($0, request.language) }
                p.detail = request.t("import.rejected", String(rows.count))
            case let .importTooLarge(row):
                p.rows = [request.application.catalogue.describe(row, request.language)]
                p.detail = p.rows?.first?.message
            case let .notFound(what):
                p.detail = request.t("error.not_found.\(what)")
            case let .signInPaused(seconds):
                p.detail = request.t("login.paused", String(max(1, (seconds + 59) / 60)))
            case .passwordChangeRequired:
                p.detail = request.t("password.change_required")
            case let .tooManyReads(seconds):
                p.detail = request.t("error.too_many_reads.detail", String(seconds))
            case .forbidden, .unauthorized:
                break
            }
            return (app.status, p)
        case let sqlite as SQLiteError where [.busy, .locked, .busyTimeout, .busyInRecovery, .busyInSnapshot].contains(sqlite.reason):
            // Two SQLite transactions that both read, then both write, cannot both go on: one is told to come back.
            // Nothing of it was written (its transaction rolled back), and a phone keeps its queue.
            request.logger.warning("SQLite busy", metadata: ["path": "\(request.url.path)"])
            request.application.metrics.databaseBusy()
            return (.serviceUnavailable, Problem(type: "urn:lantoa:problem:busy", title: request.t("error.busy"), status: 503))
        case is ConnectionPoolTimeoutError:
            // Every database connection stayed busy past the pool's timeout: the request did nothing, and the phone
            // keeps its queue and sends it again.
            request.logger.warning("No database connection in time", metadata: ["path": "\(request.url.path)"])
            request.application.metrics.poolTimedOut()
            return (.serviceUnavailable, Problem(type: "urn:lantoa:problem:busy", title: request.t("error.busy"), status: 503))
        case let decoding as DecodingError:
            let field = decoding.fieldPath
            var p = Problem(type: "urn:lantoa:problem:invalid", title: request.t("error.invalid"), status: 422)
            p.errors = [.init(field: field, code: "error.type", message: request.t("error.type"))]
            p.detail = "\(field): \(request.t("error.type"))"
            return (.unprocessableEntity, p)
        case let abort as any AbortError:
            let status = abort.status
            if status.code >= 500 {
                request.logger.error("Request failed", metadata: Self.logMetadata(error, request))
            }
            let title = status == .notFound ? request.t("error.not_found") : status.reasonPhrase
            var p = Problem(type: "about:blank", title: title, status: Int(status.code))
            if status == .badRequest || status == .unsupportedMediaType || status == .payloadTooLarge {
                p.detail = abort.reason
            }
            return (status, p)
        default:
            request.logger.error("Unhandled error", metadata: Self.logMetadata(error, request))
            return (.internalServerError, Problem(type: "about:blank", title: request.t("error.internal"), status: 500))
        }
    }

    /// What a failure logs: the error's type, and for a database error its SQL state, never its text (PostgreSQL puts
    /// the failing row, names and phones included, in its messages).
    static func logMetadata(_ error: any Error, _ request: Request) -> Logger.Metadata {
        var metadata: Logger.Metadata = ["error": "\(type(of: error))", "path": "\(request.url.path)"]
        if let psql = error as? PSQLError, let state = psql.serverInfo?[.sqlState] { metadata["sqlState"] = "\(state)" }
        // A template error names the template and the construct, never data.
        if let leaf = error as? LeafError { metadata["template"] = "\(String(describing: leaf))" }
        return metadata
    }

    func message(for field: FieldProblem, request: Request) -> String {
        request.application.catalogue.text(field.key, request.language, field.args)
    }

    func response(for error: any Error, request: Request) async -> Response {
        let (status, problem) = problem(for: error, request: request)
        if request.url.path.hasPrefix("/api/") || request.url.path.hasPrefix("/zalo/webhook/") {
            let response = Response(status: status)
            // Sorted keys: the same problem reads byte for byte the same, whichever account or login it answers.
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            try? response.content.encode(problem, using: encoder)
            response.headers.contentType = HTTPMediaType(type: "application", subType: "problem+json", parameters: ["charset": "utf-8"])
            if status == .unauthorized, request.url.path.hasPrefix("/api/") { response.headers.replaceOrAdd(name: .wwwAuthenticate, value: "Bearer") }
            if status == .serviceUnavailable { response.headers.replaceOrAdd(name: .retryAfter, value: "5") }
            if case let AppError.signInPaused(seconds) = error { response.headers.replaceOrAdd(name: .retryAfter, value: String(seconds)) }
            if case let AppError.tooManyReads(seconds) = error { response.headers.replaceOrAdd(name: .retryAfter, value: String(seconds)) }
            if status == .methodNotAllowed, let allow = (error as? any AbortError)?.headers[.allow].first {
                response.headers.replaceOrAdd(name: .allow, value: allow)
            }
            return response
        }
        if status == .unauthorized {
            return request.redirect(to: SiteURL.login.with(["next": request.url.path]))
        }
        let context = ErrorPage(layout: .init(request: request, title: problem.title), status: Int(status.code), title: problem.title,
                                detail: problem.detail, errors: problem.errors?.map(\.message) ?? [])
        do {
            let view = try await request.view.render("core/error", context)
            let response = try await view.encodeResponse(status: status, for: request)
            if status == .methodNotAllowed, let allow = (error as? any AbortError)?.headers[.allow].first {
                response.headers.replaceOrAdd(name: .allow, value: allow)
            }
            return response
        } catch {
            request.logger.error("Error page failed", metadata: ["error": "\(type(of: error))"])
            return Response(status: status, body: .init(string: problem.title))
        }
    }
}

extension DecodingError {
    /// The dotted path of the offending field (`birthYear`, `affiliations.0`).
    var fieldPath: String {
        let path: [any CodingKey]
        switch self {
        case let .typeMismatch(_, c), let .valueNotFound(_, c), let .dataCorrupted(c): path = c.codingPath
        case let .keyNotFound(key, c): path = c.codingPath + [key]
        @unknown default: path = []
        }
        let text = path.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        return text.isEmpty ? "body" : text
    }
}
