import Vapor

/// The routes of the Zalo channel: Zalo's webhook, each account's choice and link, the provinces' settings page.
enum ZaloRoutes: FeatureRoutes {
    static func register(_ r: RouteGroups) {
        // Zalo signs its calls; they carry no session or token.
        r.root.on(.POST, "zalo", "webhook", ":province", body: .collect(maxSize: "256kb"), use: ZaloWebhook.receive)
        r.authed.get("me", "zalo", use: ZaloAPIController.channel)
        r.authed.put("me", "zalo", use: ZaloAPIController.choose)
        r.authed.get("zalo", "provinces", use: ZaloAPIController.provinces)
        r.pages.get("account", "zalo", use: ZaloController.account)
        r.pages.post("account", "zalo", use: ZaloController.choose)
        r.pages.get("zalo", use: ZaloController.settings)
    }
}

extension Request {
    var zaloLinks: ZaloLinks { ZaloLinks(db: db, settings: application.lantoaConfig.zalo, clock: application.clock) }

    /// The signed-in account itself.
    func signedInUser() throws -> User {
        guard let user = auth.get(User.self) else { throw AppError.unauthorized }
        return user
    }
}

/// `/api/v1/me/zalo` and `/api/v1/zalo/provinces`.
enum ZaloAPIController {
    static func channel(req: Request) async throws -> ZaloChannelResponse {
        try await req.zaloLinks.status(of: try req.signedInUser())
    }

    static func choose(req: Request) async throws -> ZaloChannelResponse {
        try await req.zaloLinks.choose(try req.signedInUser(), try req.content.decode(ZaloChannelRequest.self))
    }

    static func provinces(req: Request) async throws -> [ZaloProvinceResponse] {
        try await req.zaloLinks.provinces(for: try req.scope)
    }
}

/// `/account/zalo`: an account turns Zalo on or off and sees the code to send to its province's OA; `/zalo`: the
/// provinces' OA settings and delivery in the last week.
enum ZaloController {
    struct Form: Content {
        var enabled: String?
    }

    static func account(req: Request) async throws -> View {
        try await render(req, try await req.zaloLinks.status(of: try req.signedInUser()), error: nil)
    }

    static func choose(req: Request) async throws -> Response {
        let user = try req.signedInUser()
        let form = try req.content.decode(Form.self)
        do {
            let status = try await req.zaloLinks.choose(user, ZaloChannelRequest(enabled: form.enabled.map { $0 == "on" }))
            return try await render(req, status, error: nil).encodeResponse(for: req)
        } catch let error as AppError {
            guard let problem = error.fieldProblems?.first else { throw error }
            let message = req.t("field.\(problem.field)") + ": " + req.application.catalogue.text(problem.key, req.language, problem.args)
            return try await render(req, try await req.zaloLinks.status(of: user), error: message)
                .encodeResponse(status: .unprocessableEntity, for: req)
        }
    }

    private static func render(_ req: Request, _ status: ZaloChannelResponse, error: String?) async throws -> View {
        try await req.view.render("zalo/account", ZaloAccountPage(layout: Layout(request: req, title: req.t("zalo.account_title")),
                                                                  channel: status, error: error))
    }

    static func settings(req: Request) async throws -> View {
        let provinces = try await req.zaloLinks.provinces(for: try req.scope)
        let rows = provinces.map { p in
            ZaloSettingsPage.Row(province: p, templates: p.templates.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" },
                                 accounts: req.t("zalo.accounts_count", String(p.accountsEnabled), String(p.accountsLinked)),
                                 delivery: p.lastWeek.sorted { $0.key < $1.key }.map { req.t("zalo.status_\($0.key)") + " " + String($0.value) })
        }
        return try await req.view.render("zalo/settings", ZaloSettingsPage(layout: Layout(request: req, title: req.t("zalo.settings_title")), rows: rows))
    }
}

struct ZaloAccountPage: Encodable {
    var layout: Layout
    var channel: ZaloChannelResponse
    var error: String?
}

struct ZaloSettingsPage: Encodable {
    struct Row: Encodable {
        var province: ZaloProvinceResponse
        var templates: [String]
        var accounts: String
        var delivery: [String]
    }

    var layout: Layout
    var rows: [Row]
}
