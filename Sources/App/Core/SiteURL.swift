import Foundation

/// The pages' addresses, typed: every link and redirect the server writes is built here (as in SwiftPackageIndex-Server),
/// so that a page moves in one place and no interpolated string points at a page that is not there.
enum SiteURL {
    case login
    case accountPassword
    case units
    case unit(code: String)
    /// A page under a unit: `sweep`, `import`, `import-residents`.
    case unitPage(code: String, page: String)
    case team(UUID)
    case campaign(UUID)
    case dashboard
    case rankings
    case reports
    case reportsExport
    case report(template: String, period: String, reporter: String)
    case difficulties

    var path: String {
        switch self {
        case .login: "/login"
        case .accountPassword: "/account/password"
        case .units: "/units"
        case .unit(let code): "/units/\(code)"
        case .unitPage(let code, let page): "/units/\(code)/\(page)"
        case .team(let id): "/teams/\(id.uuidString.lowercased())"
        case .campaign(let id): "/campaigns/\(id.uuidString.lowercased())"
        case .dashboard: "/dashboard"
        case .rankings: "/rankings"
        case .reports: "/reports"
        case .reportsExport: "/reports/export"
        case .report(let template, let period, let reporter): "/reports/\(template)/\(period)/\(reporter)"
        case .difficulties: "/difficulties"
        }
    }

    /// The address with a query (in the order given, values percent-encoded; nil values left out) and an anchor.
    func with(_ query: KeyValuePairs<String, String?> = [:], anchor: String? = nil) -> String {
        let items = query.compactMap { key, value in value.map { "\(key)=\(Self.encode($0))" } }
        return path + (items.isEmpty ? "" : "?" + items.joined(separator: "&")) + (anchor.map { "#\($0)" } ?? "")
    }

    func anchor(_ name: String) -> String { with(anchor: name) }

    private static let allowed = CharacterSet.urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=+#?/"))
    static func encode(_ value: String) -> String { value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "" }
}
