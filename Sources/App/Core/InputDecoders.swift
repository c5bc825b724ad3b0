import Foundation
import LanToaCore
import NIOCore
import Vapor

/// Decoders for JSON bodies and forms (and `NULQueryMiddleware` for query strings) that refuse the NUL character (raw, `\u0000` in JSON, `%00` in a
/// form or a URL): no text field holds one, PostgreSQL cannot store one, and SQLite would keep it silently. The
/// refusal is a 422 naming the body or the query, before anything is read, the same on both engines.
enum InputDecoders {
    static func install() {
        let json = NULRefusingDecoder(base: JSONDecoder.custom(dates: .iso8601), patterns: [[0x00], Array(#"\u0000"#.utf8)], field: "body")
        ContentConfiguration.global.use(decoder: json, for: .json)
        ContentConfiguration.global.use(decoder: json, for: .jsonAPI)
        ContentConfiguration.global.use(decoder: NULRefusingDecoder(base: URLEncodedFormDecoder(), patterns: [[0x00], Array("%00".utf8)], field: "body"),
                                        for: .urlEncodedForm)
        // No route reads a plain-text body as fields: JSON sent as text/plain is refused as the wrong media type (415),
        // not half-read by Vapor's plain-text decoder.
        ContentConfiguration.global.use(decoder: UnsupportedMediaTypeDecoder(), for: .plainText)
    }

    static func contains(_ bytes: ByteBuffer, _ patterns: [[UInt8]]) -> Bool {
        bytes.withUnsafeReadableBytes { raw in
            patterns.contains { pattern in
                guard raw.count >= pattern.count else { return false }
                var i = 0
                while i <= raw.count - pattern.count {
                    if raw[i] == pattern[0], pattern.indices.allSatisfy({ raw[i + $0] == pattern[$0] }) { return true }
                    i += 1
                }
                return false
            }
        }
    }
}

struct NULRefusingDecoder: ContentDecoder {
    let base: any ContentDecoder
    let patterns: [[UInt8]]
    let field: String

    func decode<D: Decodable>(_ decodable: D.Type, from body: ByteBuffer, headers: HTTPHeaders) throws -> D {
        if InputDecoders.contains(body, patterns) { throw AppError.invalid(field, "error.nul") }
        return try base.decode(D.self, from: body, headers: headers)
    }

    func decode<D: Decodable>(_ decodable: D.Type, from body: ByteBuffer, headers: HTTPHeaders,
                              userInfo: [CodingUserInfoKey: any Sendable]) throws -> D {
        if InputDecoders.contains(body, patterns) { throw AppError.invalid(field, "error.nul") }
        return try base.decode(D.self, from: body, headers: headers, userInfo: userInfo)
    }
}

/// Query strings are read leniently by handlers (`req.query[…]` is nil when it cannot be read), so a NUL in a URL is
/// refused here, before any handler, naming the query.
struct NULQueryMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if let query = request.url.query, query.contains("%00") || query.unicodeScalars.contains("\u{0}") {
            throw AppError.invalid("query", "error.nul")
        }
        // Every query parameter is single-valued: a repeated one is refused by name, not silently dropped.
        if let query = request.url.query {
            var seen = Set<String>()
            for item in query.split(separator: "&") {
                let name = String(item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
                let decoded = name.removingPercentEncoding ?? name
                if !decoded.isEmpty, !seen.insert(decoded).inserted { throw AppError.invalid(decoded, "error.repeated_parameter") }
            }
        }
        return try await next.respond(to: request)
    }
}

/// A whole number from a form field, read as officials type it (`NumberFormatting.parseWhole`): nil when left empty,
/// a problem naming `field` when it is not a whole number.
func formWholeNumber(_ raw: String?, field: String, key: String, _ args: String...) throws -> Int? {
    guard let raw = raw?.trimmingWhitespace(), !raw.isEmpty else { return nil }
    guard let n = NumberFormatting.parseWhole(raw) else {
        var problem = FieldProblem(field, key)
        problem.args = args
        throw AppError.invalid([problem])
    }
    return n
}

/// A decoder for a media type no route reads as fields: 415 Unsupported Media Type.
struct UnsupportedMediaTypeDecoder: ContentDecoder {
    func decode<D: Decodable>(_ decodable: D.Type, from body: ByteBuffer, headers: HTTPHeaders) throws -> D {
        throw Abort(.unsupportedMediaType, reason: "application/json expected")
    }
}
