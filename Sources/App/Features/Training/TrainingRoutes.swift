import Vapor

/// The routes of training records (tập huấn): courses, sessions, attendance and a member's record.
enum TrainingRoutes: FeatureRoutes {
    static func register(_ r: RouteGroups) {
        r.authed.get("training", "courses", use: TrainingAPIController.courses)
        r.authed.post("training", "courses", use: TrainingAPIController.createCourse)
        r.authed.put("training", "courses", ":id", use: TrainingAPIController.updateCourse)
        r.authed.delete("training", "courses", ":id", use: TrainingAPIController.removeCourse)
        r.authed.get("training", "sessions", use: TrainingAPIController.sessions)
        r.authed.post("training", "sessions", use: TrainingAPIController.createSession)
        r.authed.get("training", "sessions", ":id", use: TrainingAPIController.session)
        r.authed.put("training", "sessions", ":id", use: TrainingAPIController.updateSession)
        r.authed.delete("training", "sessions", ":id", use: TrainingAPIController.removeSession)
        r.authed.put("training", "sessions", ":id", "attendance", use: TrainingAPIController.recordAttendance)
        r.authed.on(.POST, "training", "sessions", ":id", "attendance-imports", body: .collect(maxSize: "20mb"),
                    use: TrainingAPIController.importAttendance)
        r.authed.get("members", ":id", "training", use: TrainingAPIController.memberRecord)
        r.pages.get("training", use: TrainingController.index)
        r.pages.post("training", "courses", use: TrainingController.createCourse)
        r.pages.post("training", "sessions", use: TrainingController.createSession)
        r.pages.get("training", "courses", ":id", use: TrainingController.course)
        r.pages.post("training", "courses", ":id", use: TrainingController.updateCourse)
        r.pages.post("training", "courses", ":id", "remove", use: TrainingController.removeCourse)
        r.pages.get("training", "sessions", ":id", use: TrainingController.show)
        r.pages.post("training", "sessions", ":id", "edit", use: TrainingController.updateSession)
        r.pages.post("training", "sessions", ":id", "remove", use: TrainingController.removeSession)
        r.pages.post("training", "sessions", ":id", "attendance", use: TrainingController.recordAttendance)
        r.pages.on(.POST, "training", "sessions", ":id", "import", body: .collect(maxSize: "20mb"), use: TrainingController.importAttendance)
        r.pages.get("members", ":id", use: TrainingController.member)
    }
}
