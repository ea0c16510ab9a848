import CarteiroDomain
import OpenAPIRuntime

// Not built yet: each answers 501 until its issue step lands.
extension APIHandlers {
    func listCampaigns(_ input: Operations.ListCampaigns.Input) async throws -> Operations.ListCampaigns.Output { throw APIError.notYet }

    func createCampaign(_ input: Operations.CreateCampaign.Input) async throws -> Operations.CreateCampaign.Output { throw APIError.notYet }

    func getCampaign(_ input: Operations.GetCampaign.Input) async throws -> Operations.GetCampaign.Output { throw APIError.notYet }

    func updateCampaign(_ input: Operations.UpdateCampaign.Input) async throws -> Operations.UpdateCampaign.Output { throw APIError.notYet }

    func deleteCampaign(_ input: Operations.DeleteCampaign.Input) async throws -> Operations.DeleteCampaign.Output { throw APIError.notYet }

    func sendCampaign(_ input: Operations.SendCampaign.Input) async throws -> Operations.SendCampaign.Output { throw APIError.notYet }

    func scheduleCampaign(_ input: Operations.ScheduleCampaign.Input) async throws -> Operations.ScheduleCampaign.Output { throw APIError.notYet }

    func pauseCampaign(_ input: Operations.PauseCampaign.Input) async throws -> Operations.PauseCampaign.Output { throw APIError.notYet }

    func resumeCampaign(_ input: Operations.ResumeCampaign.Input) async throws -> Operations.ResumeCampaign.Output { throw APIError.notYet }

    func cancelCampaign(_ input: Operations.CancelCampaign.Input) async throws -> Operations.CancelCampaign.Output { throw APIError.notYet }

    func testCampaign(_ input: Operations.TestCampaign.Input) async throws -> Operations.TestCampaign.Output { throw APIError.notYet }

    func getCampaignReport(_ input: Operations.GetCampaignReport.Input) async throws -> Operations.GetCampaignReport.Output { throw APIError.notYet }

}
