import LanToaCore
import Vapor

/// A problem with one field of a request, named as the API names it (`phone`, `decisionDate`).
struct FieldProblem: Content, Equatable {
    var field: String
    /// A key of the string catalogue, with its arguments.
    var key: String
    var args: [String]

    init(_ field: String, _ key: String, _ args: String...) {
        self.field = field
        self.key = key
        self.args = args
    }
}

/// Every error the domain raises, mapped once to HTTP: `application/problem+json` under `/api`,
/// a Vietnamese page on the web (see `ErrorPageMiddleware`).
enum AppError: Error {
    case invalid([FieldProblem])
    case notFound(what: String)
    case forbidden
    case unauthorized
    case conflict(FieldProblem)
    case importRejected([TeamImport.Problem])
    /// An upload past a size limit (413), with the problem naming the limit.
    case importTooLarge(TeamImport.Problem)
    /// Sign-in for this login or address is paused after failures (429, with the seconds to wait).
    case signInPaused(seconds: Int)
    /// The account must change the password someone else set before doing anything else (403).
    case passwordChangeRequired
    /// Too many reads of personal data in a minute (429, with the seconds to wait).
    case tooManyReads(seconds: Int)

    /// The fields a form shows beside a refusal: those of an invalid request, or the one a conflict names.
    var fieldProblems: [FieldProblem]? {
        switch self {
        case let .invalid(fields): fields
        case let .conflict(field): [field]
        default: nil
        }
    }

    static func invalid(_ field: String, _ key: String, _ args: String...) -> AppError {
        var p = FieldProblem(field, key)
        p.args = args
        return .invalid([p])
    }

    var status: HTTPResponseStatus {
        switch self {
        case .invalid, .importRejected: .unprocessableEntity
        case .notFound: .notFound
        case .forbidden: .forbidden
        case .unauthorized: .unauthorized
        case .conflict: .conflict
        case .importTooLarge: .payloadTooLarge
        case .signInPaused, .tooManyReads: .tooManyRequests
        case .passwordChangeRequired: .forbidden
        }
    }

    /// The catalogue key of the title.
    var titleKey: String {
        switch self {
        case .invalid: "error.invalid"
        case .notFound: "error.not_found"
        case .forbidden: "error.forbidden"
        case .unauthorized: "error.unauthorized"
        case .conflict: "error.conflict"
        case .importRejected, .importTooLarge: "error.import_rejected"
        case .signInPaused: "error.sign_in_paused"
        case .tooManyReads: "error.too_many_reads"
        case .passwordChangeRequired: "error.password_change_required"
        }
    }
}
