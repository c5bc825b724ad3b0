import Vapor

/// The routes of notices and good practices (thông báo, cách làm hay).
enum AnnouncementsRoutes: FeatureRoutes {
    static func register(_ r: RouteGroups) {
        r.authed.get("announcements", use: AnnouncementsAPIController.list)
        r.authed.post("announcements", use: AnnouncementsAPIController.post)
        r.authed.get("announcements", ":id", use: AnnouncementsAPIController.show)
        r.authed.post("announcements", ":id", "read", use: AnnouncementsAPIController.markRead)
        r.authed.get("announcements", ":id", "attachment", use: AnnouncementsAPIController.attachment)
        r.pages.get("announcements", use: AnnouncementsController.index)
        r.pages.on(.POST, "announcements", body: .collect(maxSize: "6mb"), use: AnnouncementsController.post)
        r.pages.get("announcements", ":id", use: AnnouncementsController.show)
        r.pages.get("announcements", ":id", "attachment", use: AnnouncementsAPIController.attachment)
    }
}
