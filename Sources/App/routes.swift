import Vapor

/// Every route of Lan Tỏa. `/api/v1` answers JSON (problem+json on errors); the rest are Vietnamese pages.
func routes(_ app: Application) throws {
    app.get("health") { _ in "ok" }
    // The members' phone app (Public/app): an installable web app that works offline.
    app.get("app") { req in req.redirect(to: "/app/") }

    // API
    let api = app.grouped("api", "v1")
    api.get("openapi.json", use: OpenAPIController.document)
    api.post("auth", "login", use: AuthAPIController.login)
    let authed = api.grouped(BearerTokenAuthenticator(), RequireAccount())
    authed.get("me", use: AuthAPIController.me)
    authed.get("units", use: UnitsAPIController.index)
    authed.post("units", use: UnitsAPIController.create)
    authed.get("units", ":code", use: UnitsAPIController.show)
    authed.get("units", ":code", "lineage", use: UnitsAPIController.lineage)
    authed.get("units", ":code", "composition-policy", use: CommuneAPIController.showPolicy)
    authed.put("units", ":code", "composition-policy", use: CommuneAPIController.updatePolicy)
    authed.on(.POST, "units", ":code", "team-imports", body: .collect(maxSize: "20mb"), use: CommuneAPIController.importTeams)
    authed.get("team-imports", "template.xlsx", use: CommuneAPIController.template)
    authed.get("teams", use: TeamsAPIController.index)
    authed.post("teams", use: TeamsAPIController.create)
    authed.get("teams", ":id", use: TeamsAPIController.show)
    authed.patch("teams", ":id", use: TeamsAPIController.update)
    authed.post("teams", ":id", "consolidations", use: TeamsAPIController.consolidate)
    authed.post("teams", ":id", "members", use: TeamsAPIController.addMember)
    authed.post("memberships", ":id", "end", use: TeamsAPIController.endMembership)
    authed.get("users", use: AccountsAPIController.index)
    authed.post("users", use: AccountsAPIController.create)
    authed.get("audit", use: AccountsAPIController.audit)
    authed.get("services", use: OutreachAPIController.services)
    authed.post("services", use: OutreachAPIController.createService)
    authed.get("residents", ":id", "export", use: OutreachAPIController.exportResident)
    authed.patch("residents", ":id", use: OutreachAPIController.correctResident)
    authed.post("residents", ":id", "erase", use: OutreachAPIController.eraseResident)
    authed.post("households", use: OutreachAPIController.createHousehold)
    authed.get("residents", use: OutreachAPIController.residents)
    authed.post("residents", use: OutreachAPIController.createResident)
    authed.get("residents", ":id", use: OutreachAPIController.showResident)
    authed.on(.POST, "sync", body: .collect(maxSize: "5mb"), use: OutreachAPIController.sync)
    authed.get("sync", use: OutreachAPIController.pull)
    authed.get("sweep", use: OutreachAPIController.sweep)

    // Web pages
    let web = app.grouped(app.sessions.middleware, User.sessionAuthenticator(), CSRFMiddleware())
    web.get { req in req.redirect(to: "/units") }
    web.get("login", use: LoginController.show)
    web.post("login", use: LoginController.submit)
    web.get("lang", ":lang", use: LoginController.language)
    let pages = web.grouped(RequireAccount())
    pages.post("logout", use: LoginController.logout)
    pages.get("units", use: UnitsController.index)
    pages.get("units", ":code", use: UnitsController.show)
    pages.post("units", ":code", "hamlets", use: UnitsController.createHamlet)
    pages.post("units", ":code", "composition-policy", use: UnitsController.updatePolicy)
    pages.get("units", ":code", "import", use: ImportController.show)
    pages.get("units", ":code", "sweep", use: SweepController.show)
    pages.on(.POST, "units", ":code", "import", body: .collect(maxSize: "20mb"), use: ImportController.submit)
    pages.get("import-template.xlsx", use: CommuneAPIController.template)
    pages.get("teams", "new", use: TeamsController.new)
    pages.post("teams", use: TeamsController.create)
    pages.get("teams", ":id", use: TeamsController.show)
    pages.post("teams", ":id", "members", use: TeamsController.addMember)
    pages.post("teams", ":id", "consolidations", use: TeamsController.consolidate)
    pages.post("memberships", ":id", "end", use: TeamsController.endMembership)
    pages.get("audit", use: ImportController.audit)
}
