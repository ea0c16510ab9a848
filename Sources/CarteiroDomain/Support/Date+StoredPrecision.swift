public import Foundation

extension Date {
    /// This time as the stores keep it (whole milliseconds), so that what a write returns equals
    /// what a later read gives.
    public var storedPrecision: Date { Date(timeIntervalSince1970: (timeIntervalSince1970 * 1000).rounded() / 1000) }
}
