import Foundation

/// How Lan Tỏa reaches each province's Zalo Official Account: read once at boot from the JSON file named by
/// `LANTOA_ZALO_CONFIG` (see docs/zalo.md). A province absent from it has no Zalo channel. Its secrets are never
/// printed: `description` names the provinces only.
struct ZaloSettings: Sendable, Equatable, CustomStringConvertible {
    /// Where Zalo's three services answer; a trial points them at the local fake server.
    struct Endpoints: Sendable, Equatable, Decodable {
        var oauth = "https://oauth.zaloapp.com"
        var openAPI = "https://openapi.zalo.me"
        var business = "https://business.openapi.zalo.me"
    }

    /// A template message (ZNS / ZBS) approved for the OA: its id and the names of its parameters, in order.
    struct Template: Sendable, Equatable, Decodable {
        var id: String
        var parameters: [String]
    }

    /// One province's Official Account and the Zalo app it is connected through. Printed or dumped, it shows its ids
    /// and never its secrets.
    struct Province: Sendable, Equatable, CustomStringConvertible, CustomReflectable {
        var appID: String
        /// The app's secret key (`secret_key` header of the token calls).
        var appSecret: String
        var oaID: String
        /// The OA's secret key, which signs webhooks.
        var oaSecret: String
        /// The refresh token of the first grant (from the consent page): used once, then the stored, rotated one.
        var refreshToken: String
        /// Template messages by the outbox kind they carry (`report_reminder`, `warning_task`, …).
        var templates: [String: Template]
        /// How the webhook's signature is computed: public descriptions differ (../shared/design/ZALO.md).
        var webhook = Webhook()

        var description: String { "OA \(oaID) through app \(appID)" }
        var customMirror: Mirror { Mirror(self, children: ["appID": appID, "oaID": oaID, "templates": templates]) }
    }

    /// How a webhook's `X-ZEvent-Signature` (`mac=<hex>`) is checked: SHA-256 (not HMAC) of `first + raw body +
    /// timestamp + secret`, where `first` is the app id or the OA id and `secret` the OA's or the app's secret; an event
    /// older than `maxAge` seconds (Zalo retries for hours with the same timestamp) or from the future is refused.
    struct Webhook: Sendable, Equatable {
        enum First: String, Sendable { case appID = "appId", oaID = "oaId" }
        enum Secret: String, Sendable { case oa, app }
        var first = First.appID
        var secret = Secret.oa
        var maxAge: TimeInterval = 86_400
    }

    var endpoints: Endpoints
    /// The address people open Lan Tỏa at, for links in Zalo messages (`siteURL`); without it the messages carry paths.
    var siteURL = ""
    /// By province code (`20` for Lạng Sơn).
    var provinces: [String: Province]

    var description: String { "Zalo for provinces \(provinces.keys.sorted().joined(separator: ", "))" }

    struct Invalid: Error, CustomStringConvertible {
        var field: String
        var problem: String
        var description: String { "LANTOA_ZALO_CONFIG \(field): \(problem)" }
    }

    /// Reads and checks the file; every problem names its field (`provinces.20.appSecret`).
    static func load(_ data: Data) throws -> ZaloSettings {
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw Invalid(field: "(file)", problem: "expected a JSON object")
        }
        var endpoints = Endpoints()
        if let raw = root["endpoints"] {
            guard let e = raw as? [String: Any] else { throw Invalid(field: "endpoints", problem: "expected an object") }
            for (key, path) in [("oauth", \Endpoints.oauth), ("openAPI", \Endpoints.openAPI), ("business", \Endpoints.business)] {
                guard let value = e[key] else { continue }
                guard let text = value as? String, let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                    throw Invalid(field: "endpoints.\(key)", problem: "expected an http(s) address")
                }
                endpoints[keyPath: path] = text.hasSuffix("/") ? String(text.dropLast()) : text
            }
        }
        guard let list = root["provinces"] as? [String: Any] else { throw Invalid(field: "provinces", problem: "expected an object by province code") }
        var provinces: [String: Province] = [:]
        for (code, raw) in list {
            guard code.count == 2, code.allSatisfy({ $0.isASCII && $0.isNumber }) else { throw Invalid(field: "provinces.\(code)", problem: "expected a two-digit province code") }
            guard let p = raw as? [String: Any] else { throw Invalid(field: "provinces.\(code)", problem: "expected an object") }
            func text(_ key: String) throws -> String {
                guard let value = p[key] as? String, !value.trimmingCharacters(in: .whitespaces).isEmpty else {
                    throw Invalid(field: "provinces.\(code).\(key)", problem: "required")
                }
                return value
            }
            var templates: [String: Template] = [:]
            if let t = p["templates"] {
                guard let map = t as? [String: Any] else { throw Invalid(field: "provinces.\(code).templates", problem: "expected an object by message kind") }
                for (kind, value) in map {
                    guard let entry = value as? [String: Any], let id = entry["id"] as? String, !id.isEmpty,
                          let parameters = entry["parameters"] as? [String] else {
                        throw Invalid(field: "provinces.\(code).templates.\(kind)", problem: "expected {\"id\": \"…\", \"parameters\": [\"…\"]}")
                    }
                    templates[kind] = Template(id: id, parameters: parameters)
                }
            }
            var webhook = Webhook()
            if let w = p["webhook"] {
                let field = "provinces.\(code).webhook"
                guard let map = w as? [String: Any] else { throw Invalid(field: field, problem: "expected an object") }
                if let first = map["first"] {
                    guard let value = (first as? String).flatMap(Webhook.First.init) else { throw Invalid(field: field + ".first", problem: "expected appId or oaId") }
                    webhook.first = value
                }
                if let secret = map["secret"] {
                    guard let value = (secret as? String).flatMap(Webhook.Secret.init) else { throw Invalid(field: field + ".secret", problem: "expected oa or app") }
                    webhook.secret = value
                }
                if let age = map["maxAgeSeconds"] {
                    guard let seconds = age as? Int, (60...604_800).contains(seconds) else {
                        throw Invalid(field: field + ".maxAgeSeconds", problem: "expected a whole number of seconds from 60 to 604800")
                    }
                    webhook.maxAge = TimeInterval(seconds)
                }
            }
            provinces[code] = Province(appID: try text("appId"), appSecret: try text("appSecret"), oaID: try text("oaId"),
                                       oaSecret: try text("oaSecret"), refreshToken: try text("refreshToken"), templates: templates, webhook: webhook)
        }
        var settings = ZaloSettings(endpoints: endpoints, provinces: provinces)
        if let site = root["siteURL"] {
            guard let text = site as? String, let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw Invalid(field: "siteURL", problem: "expected an http(s) address")
            }
            settings.siteURL = text.hasSuffix("/") ? String(text.dropLast()) : text
        }
        return settings
    }
}
