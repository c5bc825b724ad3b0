import Vapor

/// Every route of Lan Tỏa: each feature registers its own (`Features/<Feature>/<Feature>Routes.swift`).
/// `/api/v1` answers JSON (problem+json on errors); the rest are Vietnamese pages.
func routes(_ app: Application) throws {
    app.get("health") { _ in "ok" }
    // The members' phone app (Public/app): an installable web app that works offline.
    app.get("app") { req in req.redirect(to: "/app/") }

    let api = app.grouped("api", "v1")
    api.get("openapi.json", use: OpenAPIController.document)
    let web = app.grouped(app.sessions.middleware, SessionAccountAuthenticator(), CSRFMiddleware())
    web.get { req in req.redirect(to: SiteURL.units.path) }
    let authed = api.grouped(BearerTokenAuthenticator(), RequireAccount())
    let pages = web.grouped(RequireAccount())
    let groups = RouteGroups(root: app, api: api, authed: authed, authedReads: authed.grouped(ReplicaReads()),
                             web: web, pages: pages, pageReads: pages.grouped(ReplicaReads()))
    for feature in features { feature.register(groups) }
}

/// The features, in the order their routes are registered.
let features: [any FeatureRoutes.Type] = [
    AccountsRoutes.self, UnitsRoutes.self, TeamsRoutes.self, TeamImportRoutes.self, ResidentsRoutes.self, AuditRoutes.self,
    SupportLogRoutes.self, SweepRoutes.self, IndicatorsRoutes.self, DashboardsRoutes.self, TargetsRoutes.self, CampaignsRoutes.self,
    ReportsRoutes.self, TrainingRoutes.self, WarningsRoutes.self, DifficultiesRoutes.self, AnnouncementsRoutes.self, GuidesRoutes.self, ZaloRoutes.self, MetricsRoutes.self,
]

/// The route groups a feature registers into.
struct RouteGroups {
    /// The application itself, with none of the groups' middleware (operational routes).
    let root: any RoutesBuilder
    /// `/api/v1` without an account (sign-in).
    let api: any RoutesBuilder
    /// `/api/v1` with a bearer token.
    let authed: any RoutesBuilder
    /// `authed` routes that only read, and may read from the read replica (`ReplicaReads`, read through `req.readDB`).
    let authedReads: any RoutesBuilder
    /// Pages without an account (the sign-in page, the language switch).
    let web: any RoutesBuilder
    /// Pages for a signed-in account.
    let pages: any RoutesBuilder
    /// `pages` that only read, and may read from the read replica.
    let pageReads: any RoutesBuilder
}

/// A feature's routes, registered by `routes(_:)`.
protocol FeatureRoutes: Sendable {
    static func register(_ r: RouteGroups)
}
