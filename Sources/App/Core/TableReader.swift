import Foundation
import LanToaCore
import NIOPosix
import Vapor

/// Reads uploaded spreadsheets on the application's thread pool, so that seconds of parsing never hold a cooperative
/// thread that other requests are waiting for, and maps what the reader refuses to the import problems users see.
struct TableReader: Sendable {
    let pool: NIOThreadPool
    var limits: Table.Limits = .imports

    func read(_ data: Data) async throws -> Table {
        let limits = self.limits
        do {
            return try await pool.runIfActive { try Table.read(data, limits: limits) }
        } catch let error as Table.ReadError {
            throw Self.problem(for: error)
        }
    }

    static func problem(for error: Table.ReadError) -> AppError {
        switch error {
        case let .tooManyRows(limit):
            .importRejected([TeamImport.Problem(row: 0, column: "", key: "too_many_rows", args: [String(limit)])])
        case let .tooManyColumns(limit):
            .importRejected([TeamImport.Problem(row: 0, column: "", key: "too_many_columns", args: [String(limit)])])
        case let .tooLarge(limit):
            .importTooLarge(TeamImport.Problem(row: 0, column: "", key: "too_large", args: [String(limit >> 20)]))
        case .notUTF8, .notASpreadsheet, .empty:
            .importRejected([TeamImport.Problem(row: 0, column: "", key: "unreadable")])
        }
    }
}

extension Request {
    /// Uploaded spreadsheets are read off the request's event loop, within the import limits.
    var tableReader: TableReader { TableReader(pool: application.threadPool) }
}
