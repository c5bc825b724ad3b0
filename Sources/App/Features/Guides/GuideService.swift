import Fluent
import Foundation
import LanToaCore
import SQLKit
import Vapor

/// The guides library (tài liệu hướng dẫn): national and provincial staff write step-by-step guides per catalogue
/// service, each edit a new version; a province publishes its own version of a national guide, which its accounts read
/// instead. The phone app keeps the guides its account reads for offline use, within its `GUIDE_BUDGET` (10 MB).
struct GuideService {
    let scope: Scope
    let clock: AppClock

    /// A step's picture, after the editing page or the phone has made it a JPEG.
    static let imageLimit = 300 << 10
    /// A version's text and pictures together.
    static let guideLimit = 2 << 20
    static let stepLimit = 30

    /// A step as submitted: its text, a new picture, or the id of an earlier version's picture to keep.
    struct StepInput {
        var text: String?
        var image: Data?
        var keepImage: UUID?
        /// The picture could not be read (not base64).
        var unreadableImage = false
    }

    // MARK: who writes

    /// National and provincial staff write guides; communes, teams and viewers read them.
    var canWrite: Bool { [Role.admin, .province].contains(scope.actor.role) }

    /// A guide is edited by the tier that wrote it, or by the ministry.
    func canEdit(_ guide: Guide) -> Bool { canWrite && scope.contains(path: guide.unitPath) }

    /// Whether the account's province may still write its own version of this national guide (once per province).
    func canAdapt(_ guide: Guide) async throws -> Bool {
        guard guide.unitPath == "/", scope.actor.role == .province else { return false }
        return try await adaptation(of: guide, by: scope.actor.scopePath, on: scope.db) == nil
    }

    /// The version of a national guide that the province at `path` published, if any.
    func adaptation(of guide: Guide, by path: String, on db: any Database) async throws -> Guide? {
        try await Guide.query(on: db).filter(\.$adaptsID == guide.id!).filter(\.$unitPath == path).first()
    }

    // MARK: writing

    /// Publishes a new guide (`id` nil) or a new version of one, all checked first and written in one transaction.
    func publish(_ id: UUID?, service: String?, title: String?, adapts: UUID?, steps input: [StepInput]) async throws -> Guide {
        guard canWrite else { throw AppError.forbidden }
        let existing: Guide? = if let id { try await find(id) } else { nil }
        if let existing { guard canEdit(existing) else { throw AppError.forbidden } }
        var problems: [FieldProblem] = []
        let title = TeamImport.normaliseName(title ?? "")
        if title.isEmpty { problems.append(FieldProblem("title", "error.required")) } else if title.count > 200 {
            problems.append(FieldProblem("title", "error.too_long", "200"))
        }
        // What it adapts (only on creation, by a province): a national guide, once per province.
        var national: Guide?
        if existing == nil, let adapts {
            national = try await scope.query(Guide.self).filter(\.$id == adapts).filter(\.$unitPath == "/").first()
            if national == nil || scope.actor.scopePath == "/" { problems.append(FieldProblem("adapts", "error.guide_not_adaptable")) }
        }
        let serviceCode = existing?.adaptsID != nil ? existing!.serviceCode : national?.serviceCode ?? (service ?? "").trimmingWhitespace()
        let owner = existing?.unitPath ?? scope.actor.scopePath
        // A service every reader of the guide has: the national ones, and the owner's province's own.
        if serviceCode.isEmpty { problems.append(FieldProblem("service", "error.required")) } else if try await ServiceRecord.restrict(
            ServiceRecord.query(on: scope.db), toScope: owner).filter(\.$active == true).filter(\.$code == serviceCode).count() == 0 {
            problems.append(FieldProblem("service", "error.unknown_service", serviceCode))
        }
        if input.isEmpty { problems.append(FieldProblem("steps", "error.required")) } else if input.count > Self.stepLimit {
            problems.append(FieldProblem("steps", "error.guide_steps", String(Self.stepLimit)))
        }
        var steps: [GuideStep] = []
        var newImages: [GuideImage] = []
        var bytes = title.utf8.count
        for (i, s) in input.prefix(Self.stepLimit).enumerated() {
            let field = "steps[\(i)]"
            let text = (s.text ?? "").trimmingWhitespace()
            if text.isEmpty { problems.append(FieldProblem(field + ".text", "error.required")) } else if text.count > 2000 {
                problems.append(FieldProblem(field + ".text", "error.too_long", "2000"))
            }
            bytes += text.utf8.count
            var picture: UUID?
            if s.unreadableImage {
                problems.append(FieldProblem(field + ".image", "error.photo_jpeg"))
            } else if let raw = s.image, !raw.isEmpty {
                if raw.count > Self.imageLimit { problems.append(FieldProblem(field + ".image", "error.guide_image_too_large", "300")) } else {
                    do {
                        let image = GuideImage()
                        image.id = UUID()
                        image.unitPath = owner
                        image.content = try JPEGMetadata.stripped(raw)
                        image.bytes = image.content.count
                        newImages.append(image)
                        picture = image.id
                        bytes += image.bytes
                    } catch { problems.append(FieldProblem(field + ".image", "error.photo_jpeg")) }
                }
            } else if let keep = s.keepImage {
                // An earlier picture of this unit's line (a province's version keeps the national guide's pictures).
                if let kept = try await scope.query(GuideImage.self).filter(\.$id == keep).field(\.$id).field(\.$unitPath).field(\.$bytes).first(),
                   owner.hasPrefix(kept.unitPath) {
                    picture = keep
                    bytes += kept.bytes
                } else { problems.append(FieldProblem(field + ".keepImage", "error.not_found.image")) }
            }
            steps.append(GuideStep(text: text, image: picture))
        }
        if bytes > Self.guideLimit { problems.append(FieldProblem("steps", "error.guide_too_large", "2")) }
        guard problems.isEmpty else { throw AppError.invalid(problems) }

        let guide = existing ?? Guide()
        if existing == nil {
            guide.id = UUID()
            guide.unitPath = owner
            guide.unitName = try await unitName(owner)
            guide.adaptsID = national?.id
        }
        let before = existing.map { ["title": $0.title, "version": String($0.version)] }
        guide.serviceCode = serviceCode
        guide.title = title
        guide.bytes = bytes
        guide.author = scope.actor.login
        let stepsJSON = String(decoding: try JSONEncoder().encode(steps), as: UTF8.self)
        let images = newImages
        let adapted = national
        do {
            try await scope.db.writeTransaction { db in
                // Read again under the write: two saves at once make two versions, or one refused adaptation.
                if let adapted {
                    if try await adaptation(of: adapted, by: owner, on: db) != nil { throw AppError.conflict(FieldProblem("adapts", "error.guide_adapted")) }
                    guide.adaptsVersion = try await Guide.find(adapted.id, on: db)?.version
                } else if guide.adaptsID != nil, let source = try await Guide.find(guide.adaptsID, on: db) {
                    // Edited with the national guide's latest version at hand.
                    guide.adaptsVersion = source.version
                }
                guide.version = (try await Guide.find(guide.id, on: db)?.version ?? 0) + 1
                for image in images { try await image.create(on: db) }
                try await guide.save(on: db)
                let version = GuideVersion()
                version.guideID = guide.id!
                version.version = guide.version
                version.unitPath = owner
                version.title = title
                version.stepsJSON = stepsJSON
                version.bytes = guide.bytes
                version.author = scope.actor.login
                try await version.create(on: db)
                try await AuditLog.record(on: db, actor: scope.actor, at: clock.now(), action: existing == nil ? .create : .update, entity: "guide",
                                          entityID: guide.id, unitPath: owner, summary: title, before: before,
                                          after: ["title": title, "version": String(guide.version), "service": serviceCode])
            }
        } catch let error as any DatabaseError where error.isConstraintFailure {
            // PostgreSQL: another save of the same guide, or the province's other adaptation, committed first.
            throw AppError.conflict(adapted == nil ? FieldProblem("version", "error.guide_saved_meanwhile") : FieldProblem("adapts", "error.guide_adapted"))
        }
        return guide
    }

    private func unitName(_ path: String) async throws -> String {
        guard path != "/", let id = Rollups.lastID(path) else { return "Toàn quốc" }
        return try await UnitService(scope: scope, clock: clock).find(id: id).name
    }

    // MARK: reading

    /// The guides the account reads: of a service if given, whose title holds every word of `query` (without
    /// diacritics). A national guide that the account's own province has adapted gives way to the province's version.
    func list(service: String? = nil, query: String? = nil) async throws -> [Guide] {
        var q = scope.query(Guide.self)
        if let service, !service.isEmpty { q = q.filter(\.$serviceCode == service) }
        let all = try await q.sort(\.$serviceCode).sort(\.$title).all()
        // The adaptations of the account's own province, whatever their service.
        let replaced = Set(try await scope.query(Guide.self).filter(\.$adaptsID != nil).all()
            .filter { $0.unitPath != "/" && scope.actor.scopePath.hasPrefix($0.unitPath) }.compactMap(\.adaptsID))
        let words = TextFolding.fold(query ?? "").split(separator: " ").prefix(8)
        return all.filter { g in
            guard !replaced.contains(g.id!) else { return false }
            let title = TextFolding.fold(g.title)
            return words.allSatisfy { title.contains($0) }
        }
    }

    func find(_ id: UUID?) async throws -> Guide {
        try await scope.find(Guide.self, id, what: "guide")
    }

    /// A version of a guide (the latest when `number` is nil).
    func version(of guide: Guide, _ number: Int?) async throws -> GuideVersion {
        guard let v = try await scope.query(GuideVersion.self).filter(\.$guideID == guide.id!).filter(\.$version == (number ?? guide.version)).first() else {
            throw AppError.notFound(what: "guide_version")
        }
        return v
    }

    func versions(of guide: Guide) async throws -> [GuideVersion] {
        try await scope.query(GuideVersion.self).filter(\.$guideID == guide.id!).sort(\.$version, .descending)
            .field(\.$id).field(\.$version).field(\.$title).field(\.$author).field(\.$createdAt).field(\.$bytes).field(\.$unitPath)
            .field(\.$guideID).all()
    }

    func image(_ id: UUID?) async throws -> GuideImage {
        try await scope.find(GuideImage.self, id, what: "image")
    }

    // MARK: responses

    func summary(_ g: Guide) -> GuideSummary {
        GuideSummary(id: g.id!, service: g.serviceCode, title: g.title, unit: g.unitName, version: g.version, bytes: g.bytes, adapts: g.adaptsID,
                     updatedAt: g.updatedAt)
    }

    /// For a province's version: the national guide's latest version, when it is newer than the one the province last
    /// wrote from (the province decides whether to edit its own).
    func newerNational(than g: Guide) async throws -> Guide? {
        guard let source = g.adaptsID, let national = try await scope.query(Guide.self).filter(\.$id == source).first() else { return nil }
        return national.version > (g.adaptsVersion ?? 0) ? national : nil
    }

    func response(_ g: Guide, _ v: GuideVersion, versions: [GuideVersion]) -> GuideResponse {
        GuideResponse(id: g.id!, service: g.serviceCode, title: v.title, unit: g.unitName, version: v.version, latest: g.version, bytes: v.bytes,
                      adapts: g.adaptsID, adaptsVersion: g.adaptsVersion, author: v.author, publishedAt: v.createdAt,
                      steps: v.steps.map { GuideStepResponse(text: $0.text, image: $0.image) },
                      versions: versions.map { GuideVersionSummary(version: $0.version, title: $0.title, author: $0.author, publishedAt: $0.createdAt) })
    }
}

struct GuideSummary: Content {
    var id: UUID
    var service: String
    var title: String
    /// The unit that wrote it: "Toàn quốc" or a province.
    var unit: String
    /// The latest version.
    var version: Int
    /// The latest version's text and pictures, in bytes.
    var bytes: Int
    /// The national guide this province's version replaces.
    var adapts: UUID?
    var updatedAt: Date?
}

struct GuideResponse: Content {
    var id: UUID
    var service: String
    var title: String
    var unit: String
    /// The version shown, and the latest one.
    var version: Int
    var latest: Int
    var bytes: Int
    var adapts: UUID?
    /// The national guide's version the province last wrote its own from.
    var adaptsVersion: Int?
    var author: String
    var publishedAt: Date?
    var steps: [GuideStepResponse]
    /// Every published version, the latest first.
    var versions: [GuideVersionSummary]
}

struct GuideStepResponse: Content {
    var text: String
    /// The picture's id: `GET /api/v1/guides/images/{id}` (a JPEG that never changes).
    var image: UUID?
}

struct GuideVersionSummary: Content {
    var version: Int
    var title: String
    var author: String
    var publishedAt: Date?
}

/// A guide, or a new version of one.
struct GuideRequest: Content {
    var service: String?
    var title: String?
    var steps: [GuideStepRequest]?
    /// On a province's new guide: the national guide it adapts (its service is taken from it).
    var adapts: UUID?
}

struct GuideStepRequest: Content {
    var text: String?
    /// A new picture: a JPEG in base64, at most 300 kB; its metadata is removed.
    var image: String?
    /// Or the id of a picture of an earlier version (or of the national guide adapted), kept.
    var keepImage: UUID?
}
