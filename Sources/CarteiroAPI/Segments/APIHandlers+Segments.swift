import CarteiroDomain
import OpenAPIRuntime

// Not built yet: each answers 501 until its issue step lands.
extension APIHandlers {
    func listSegments(_ input: Operations.ListSegments.Input) async throws -> Operations.ListSegments.Output { throw APIError.notYet }

    func createSegment(_ input: Operations.CreateSegment.Input) async throws -> Operations.CreateSegment.Output { throw APIError.notYet }

    func previewSegmentFilter(_ input: Operations.PreviewSegmentFilter.Input) async throws -> Operations.PreviewSegmentFilter.Output { throw APIError.notYet }

    func getSegment(_ input: Operations.GetSegment.Input) async throws -> Operations.GetSegment.Output { throw APIError.notYet }

    func updateSegment(_ input: Operations.UpdateSegment.Input) async throws -> Operations.UpdateSegment.Output { throw APIError.notYet }

    func deleteSegment(_ input: Operations.DeleteSegment.Input) async throws -> Operations.DeleteSegment.Output { throw APIError.notYet }

    func previewSegment(_ input: Operations.PreviewSegment.Input) async throws -> Operations.PreviewSegment.Output { throw APIError.notYet }

}
