import Vapor

/// The routes of teams (Tổ CNSCĐ), their members and the province's composition policy.
enum TeamsRoutes: FeatureRoutes {
    static func register(_ r: RouteGroups) {
        r.authed.get("units", ":code", "composition-policy", use: CompositionPolicyAPIController.showPolicy)
        r.authed.put("units", ":code", "composition-policy", use: CompositionPolicyAPIController.updatePolicy)
        r.authed.get("teams", use: TeamsAPIController.index)
        r.authed.post("teams", use: TeamsAPIController.create)
        r.authed.get("teams", ":id", use: TeamsAPIController.show)
        r.authed.patch("teams", ":id", use: TeamsAPIController.update)
        r.authed.post("teams", ":id", "consolidations", use: TeamsAPIController.consolidate)
        r.authed.post("teams", ":id", "members", use: TeamsAPIController.addMember)
        r.authed.post("memberships", ":id", "end", use: TeamsAPIController.endMembership)
        r.authed.post("members", ":id", "transfer", use: TeamsAPIController.transferMember)
        r.authed.post("members", ":id", "erase", use: TeamsAPIController.eraseMember)
        r.pages.get("teams", "new", use: TeamsController.new)
        r.pages.post("teams", use: TeamsController.create)
        r.pages.get("teams", ":id", use: TeamsController.show)
        r.pages.post("teams", ":id", "members", use: TeamsController.addMember)
        r.pages.post("teams", ":id", "consolidations", use: TeamsController.consolidate)
        r.pages.post("memberships", ":id", "end", use: TeamsController.endMembership)
        r.pages.post("members", ":id", "transfer", use: TeamsController.transferMember)
        r.pages.post("members", ":id", "erase", use: TeamsController.eraseMember)
    }
}
