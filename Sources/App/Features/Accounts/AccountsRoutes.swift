import Vapor

/// The routes of sign-in, tokens, passwords and the accounts officials manage.
enum AccountsRoutes: FeatureRoutes {
    static func register(_ r: RouteGroups) {
        r.api.post("auth", "login", use: AuthAPIController.login)
        r.api.post("auth", "refresh", use: AuthAPIController.refresh)
        r.authed.get("me", use: AuthAPIController.me)
        r.authed.post("me", "password", use: AuthAPIController.changePassword)
        r.authed.get("me", "tokens", use: AuthAPIController.myTokens)
        r.authed.delete("tokens", ":id", use: AuthAPIController.revokeToken)
        r.authed.get("users", ":id", "tokens", use: AccountsAPIController.tokens)
        r.authed.post("auth", "logout", use: AuthAPIController.logout)
        r.authed.get("users", use: AccountsAPIController.index)
        r.authed.post("users", use: AccountsAPIController.create)
        r.authed.post("users", ":id", "unlock", use: AccountsAPIController.unlock)
        r.authed.put("users", ":id", "member", use: AccountsAPIController.linkMember)
        r.authed.post("users", ":id", "disable", use: AccountsAPIController.disable)
        r.authed.post("users", ":id", "enable", use: AccountsAPIController.enable)
        r.authed.post("users", ":id", "password", use: AccountsAPIController.resetPassword)
        r.web.get("login", use: LoginController.show)
        r.web.post("login", use: LoginController.submit)
        r.web.get("lang", ":lang", use: LoginController.language)
        r.pages.post("logout", use: LoginController.logout)
        r.pages.get("accounts", use: AccountsController.index)
        r.pages.post("accounts", use: AccountsController.create)
        r.pages.post("accounts", ":id", ":action", use: AccountsController.act)
        r.pages.get("account", "password", use: PasswordController.show)
        r.pages.post("account", "password", use: PasswordController.submit)
    }
}
