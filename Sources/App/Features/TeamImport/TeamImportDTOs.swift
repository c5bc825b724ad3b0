import LanToaCore
import Vapor

/// What an accepted team import wrote.
struct ImportResultResponse: Content {
    var teams: Int
    var members: Int
    var hamletsCreated: Int
}

struct ImportProblemResponse: Content {
    var row: Int
    var column: String
    var message: String
}
