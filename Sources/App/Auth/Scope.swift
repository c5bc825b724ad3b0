import Fluent
import LanToaCore
import SQLKit
import Vapor

/// Who is acting: an account with its role and the subtree of units it may see and change.
struct Actor: Sendable {
    var userID: UUID?
    var login: String
    var role: Role
    /// The scope unit's path; `/` for the whole country.
    var scopePath: String

    /// The actor for command-line tools run by an operator on the server.
    static let system = Actor(userID: nil, login: "system", role: .admin, scopePath: "/")

    init(userID: UUID?, login: String, role: Role, scopePath: String) {
        self.userID = userID
        self.login = login
        self.role = role
        self.scopePath = scopePath
    }

    init(_ user: User) {
        self.init(userID: user.id, login: user.login, role: user.role, scopePath: user.unitPath)
    }
}

/// A model whose rows belong to a unit's subtree through a stored unit path.
protocol ScopedModel: Model where IDValue == UUID {
    static var unitPathField: KeyPath<Self, FieldProperty<Self, String>> { get }
    /// Narrows a query to what an actor whose scope path is `path` may see.
    static func restrict(_ query: QueryBuilder<Self>, toScope path: String) -> QueryBuilder<Self>
}

extension ScopedModel {
    static func restrict(_ query: QueryBuilder<Self>, toScope path: String) -> QueryBuilder<Self> {
        path == "/" ? query : query.under(path, unitPathField)
    }

    /// The rows of the subtree and of the units on the line above it: what a unit publishes for everyone under it
    /// (a province's own services, a province's training courses and sessions).
    static func restrictToLineAndSubtree(_ query: QueryBuilder<Self>, toScope path: String) -> QueryBuilder<Self> {
        guard path != "/" else { return query }
        var ancestors = ["/"]
        var current = "/"
        for component in path.split(separator: "/").dropLast() {
            current += component + "/"
            ancestors.append(current)
        }
        return query.group(.or) { or in
            or.filter(unitPathField ~~ ancestors)
            or.group(.and) { $0.under(path, unitPathField) }
        }
    }
}

extension QueryBuilder {
    /// Rows whose path lies under `prefix` (a unit path ending in `/`), written as a range
    /// (`path >= '/a/b/' AND path < '/a/b0'`) so that a plain B-tree index serves it on SQLite and PostgreSQL alike,
    /// whatever the collation (`LIKE 'prefix%'` would not).
    @discardableResult
    func under(_ prefix: String, _ field: KeyPath<Model, FieldProperty<Model, String>>) -> Self {
        precondition(prefix.hasSuffix("/"), "unit paths end in /")
        return filter(field >= prefix).filter(field < UnitPaths.upperBound(prefix))
    }
}

extension SQLPredicateBuilder {
    /// The same range as `QueryBuilder.under`, for a statement built with SQLKit; `/` (the whole country) adds nothing.
    @discardableResult
    func under(_ prefix: String, column: String) -> Self {
        guard prefix != "/" else { return self }
        return self.where(column, .greaterThanOrEqual, SQLBind(prefix)).where(column, .lessThan, SQLBind(UnitPaths.upperBound(prefix)))
    }
}

enum UnitPaths {
    /// The first path after every path under `prefix` (a unit path ending in `/`): `/a/b/` gives `/a/b0`, since `0`
    /// follows `/`. Paths under the prefix are those `>= prefix` and `<` this.
    static func upperBound(_ prefix: String) -> String { String(prefix.dropLast()) + "0" }
}

/// What an actor wants to do, checked against the role.
enum Permission: Sendable {
    case read
    case manageUnitsAndTeams
    case manageMemberships
    case manageAccounts
    case readAudit
    /// Recording residents and supports in the field.
    case recordSupport
    /// Setting and splitting targets, running campaigns.
    case setTargets
    /// Reading residents' personal data: lists, look-ups, sweep lists, a phone's working set, exports.
    case readPersonalData

    func granted(to role: Role) -> Bool {
        switch self {
        case .recordSupport: role != .viewer
        case .setTargets: role.managesUnitsAndTeams
        case .read: true
        case .manageUnitsAndTeams: role.managesUnitsAndTeams
        case .manageMemberships: role.managesMemberships
        case .manageAccounts: role.managesAccounts
        case .readAudit: role.readsAudit
        case .readPersonalData: role.readsPersonalData
        }
    }
}

/// The one place where data access is restricted to an account's subtree (ARCHITECTURE.md decision 2).
///
/// Handlers and services read scoped models only through `query`/`find`, and check writes with `authorize`;
/// nothing filters by unit by hand. What lies outside the subtree is "not found" to reads and "forbidden" to writes.
struct Scope: Sendable {
    let actor: Actor
    let db: any Database

    func query<M: ScopedModel>(_ type: M.Type) -> QueryBuilder<M> {
        M.restrict(M.query(on: db), toScope: actor.scopePath)
    }

    func find<M: ScopedModel>(_ type: M.Type, _ id: UUID?, what: String) async throws -> M {
        guard let id, let model = try await query(M.self).filter(\._$id == id).first() else {
            throw AppError.notFound(what: what)
        }
        return model
    }

    /// Whether the path lies in the actor's subtree.
    func contains(path: String) -> Bool {
        path.hasPrefix(actor.scopePath)
    }

    /// Refuses to look at a unit unless it lies in the actor's subtree or on the line above it (a commune official
    /// may read its province's composition policy or filter by its own province; a province never sees a sibling).
    func authorizeReading(unitAt path: String) throws {
        guard contains(path: path) || actor.scopePath.hasPrefix(path) else { throw AppError.forbidden }
    }

    /// Refuses unless the role grants `permission` and `path` lies in the actor's subtree.
    func authorize(_ permission: Permission, at path: String) throws {
        guard permission.granted(to: actor.role), contains(path: path) else { throw AppError.forbidden }
    }

    /// Refuses unless the role grants `permission` (anywhere in its subtree).
    func authorize(_ permission: Permission) throws {
        guard permission.granted(to: actor.role) else { throw AppError.forbidden }
    }

    /// The same scope over another database handle (inside a transaction).
    func on(_ db: any Database) -> Scope {
        Scope(actor: actor, db: db)
    }
}

extension Unit: ScopedModel {
    static var unitPathField: KeyPath<Unit, FieldProperty<Unit, String>> { \Unit.$path }

    /// The official list is public reference data; hamlets, created by communes, are seen within the subtree only.
    static func restrict(_ query: QueryBuilder<Unit>, toScope path: String) -> QueryBuilder<Unit> {
        guard path != "/" else { return query }
        return query.group(.or) { or in
            or.filter(\.$tier != .hamlet)
            or.group(.and) { $0.under(path, \.$path) }
        }
    }
}

extension Team: ScopedModel {
    static var unitPathField: KeyPath<Team, FieldProperty<Team, String>> { \Team.$unitPath }
}

extension TeamEvent: ScopedModel {
    static var unitPathField: KeyPath<TeamEvent, FieldProperty<TeamEvent, String>> { \TeamEvent.$unitPath }
}

extension Member: ScopedModel {
    static var unitPathField: KeyPath<Member, FieldProperty<Member, String>> { \Member.$unitPath }
}

extension Membership: ScopedModel {
    static var unitPathField: KeyPath<Membership, FieldProperty<Membership, String>> { \Membership.$unitPath }
}

extension User: ScopedModel {
    static var unitPathField: KeyPath<User, FieldProperty<User, String>> { \User.$unitPath }
}

extension AuditEntry: ScopedModel {
    static var unitPathField: KeyPath<AuditEntry, FieldProperty<AuditEntry, String>> { \AuditEntry.$unitPath }
}

extension CompositionPolicyRecord: ScopedModel {
    static var unitPathField: KeyPath<CompositionPolicyRecord, FieldProperty<CompositionPolicyRecord, String>> { \CompositionPolicyRecord.$unitPath }
}

extension Household: ScopedModel {
    static var unitPathField: KeyPath<Household, FieldProperty<Household, String>> { \Household.$unitPath }
}

extension Resident: ScopedModel {
    static var unitPathField: KeyPath<Resident, FieldProperty<Resident, String>> { \Resident.$unitPath }
}

extension SupportActivity: ScopedModel {
    static var unitPathField: KeyPath<SupportActivity, FieldProperty<SupportActivity, String>> { \SupportActivity.$unitPath }
}

extension ServiceStatus: ScopedModel {
    static var unitPathField: KeyPath<ServiceStatus, FieldProperty<ServiceStatus, String>> { \ServiceStatus.$unitPath }
}

extension ServiceRecord: ScopedModel {
    static var unitPathField: KeyPath<ServiceRecord, FieldProperty<ServiceRecord, String>> { \ServiceRecord.$unitPath }

    /// National services everywhere; a province's own services within that province (and to accounts above it).
    static func restrict(_ query: QueryBuilder<ServiceRecord>, toScope path: String) -> QueryBuilder<ServiceRecord> {
        restrictToLineAndSubtree(query, toScope: path)
    }
}

extension TargetRecord: ScopedModel {
    static var unitPathField: KeyPath<TargetRecord, FieldProperty<TargetRecord, String>> { \TargetRecord.$unitPath }
}

extension CampaignRecord: ScopedModel {
    static var unitPathField: KeyPath<CampaignRecord, FieldProperty<CampaignRecord, String>> { \CampaignRecord.$unitPath }
}

extension IndicatorValue: ScopedModel {
    static var unitPathField: KeyPath<IndicatorValue, FieldProperty<IndicatorValue, String>> { \IndicatorValue.$unitPath }
}
