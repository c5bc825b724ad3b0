import Vapor

/// The routes of early warnings (cảnh báo sớm), the accounts' tasks and notifications.
enum WarningsRoutes: FeatureRoutes {
    static func register(_ r: RouteGroups) {
        r.authed.get("warnings", use: WarningsAPIController.list)
        r.authed.get("tasks", use: WarningsAPIController.tasks)
        r.authed.get("units", ":code", "warning-settings", use: WarningsAPIController.settings)
        r.authed.put("units", ":code", "warning-settings", use: WarningsAPIController.updateSettings)
        r.authed.get("notifications", use: WarningsAPIController.notifications)
        r.authed.post("notifications", ":id", "read", use: WarningsAPIController.markRead)
        r.pages.get("warnings", use: WarningsController.index)
        r.pages.post("warnings", "settings", use: WarningsController.updateSettings)
        r.pages.get("notifications", use: WarningsController.notifications)
    }
}
