import Foundation
import LanToaCore
import Vapor

struct RaiseDifficultyRequest: Content {
    /// Given by the phone, so that a retry after a lost answer is the same difficulty.
    var id: UUID?
    var service: String?
    var description: String?
    /// A JPEG, base64-encoded, at most 1 MB once decoded (the phone resizes it first).
    var photo: String?
}

struct DifficultyTextRequest: Content {
    var text: String?
}

struct PromoteDifficultyRequest: Content {
    /// The question as the FAQ shows it; the difficulty's description when absent.
    var question: String?
    /// The answer as the FAQ shows it; the latest answer when absent.
    var answer: String?
}

struct DifficultyEventResponse: Content {
    var kind: String
    var actor: String
    var role: String
    var text: String
    var at: Date?
}

struct DifficultyResponse: Content {
    var id: UUID
    var service: String
    var description: String
    var askedBy: String
    var unit: String
    var status: DifficultyStatus
    var level: DifficultyLevel
    var raisedOn: String
    var hasPhoto: Bool
    var firstAnsweredAt: Date?
    var solvedAt: Date?
    /// The latest answer, if any.
    var answer: String?
    var events: [DifficultyEventResponse]
}

struct FAQEntryResponse: Content {
    var id: UUID
    var service: String
    var question: String
    var answer: String
    /// The province's code for a province's own entry; nil for the national FAQ.
    var province: String?
}

/// Difficulties of a unit in a period: how many are open, and the median hours to a first answer and to a solution.
struct DifficultyFigures: Content, Equatable {
    var open: Int
    var raised: Int
    var medianHoursToFirstAnswer: Double?
    var medianHoursToSolution: Double?
}
