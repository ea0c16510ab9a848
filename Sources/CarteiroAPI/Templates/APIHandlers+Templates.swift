import CarteiroDomain
import OpenAPIRuntime

// Not built yet: each answers 501 until its issue step lands.
extension APIHandlers {
    func listTemplates(_ input: Operations.ListTemplates.Input) async throws -> Operations.ListTemplates.Output { throw APIError.notYet }

    func createTemplate(_ input: Operations.CreateTemplate.Input) async throws -> Operations.CreateTemplate.Output { throw APIError.notYet }

    func getTemplate(_ input: Operations.GetTemplate.Input) async throws -> Operations.GetTemplate.Output { throw APIError.notYet }

    func updateTemplate(_ input: Operations.UpdateTemplate.Input) async throws -> Operations.UpdateTemplate.Output { throw APIError.notYet }

    func deleteTemplate(_ input: Operations.DeleteTemplate.Input) async throws -> Operations.DeleteTemplate.Output { throw APIError.notYet }

    func listTemplateRevisions(_ input: Operations.ListTemplateRevisions.Input) async throws -> Operations.ListTemplateRevisions.Output { throw APIError.notYet }

    func previewTemplate(_ input: Operations.PreviewTemplate.Input) async throws -> Operations.PreviewTemplate.Output { throw APIError.notYet }

}
