import CarteiroDomain

/// Which token scopes may call each operation of `openapi.yaml`, by operation id. `admin` may
/// call every one. An operation missing here is refused to every scope but `admin`; a test checks
/// that every operation of the document is listed.
enum OperationScopes {
    static let open: Set<String> = ["getOpenAPIDocument", "signUp"]

    static let allowed: [String: Set<AccessToken.Scope>] = {
        var table: [String: Set<AccessToken.Scope>] = [:]
        for operation in [
            "searchContacts", "createContact", "importContacts", "exportContacts", "getContact", "updateContact", "eraseContact",
        ] {
            table[operation] = [.contacts]
        }
        for operation in ["listLists", "createList", "getList", "updateList", "deleteList", "listMembers", "addMembers", "removeMember"] {
            table[operation] = [.contacts, .campaigns]
        }
        for operation in [
            "listSegments", "createSegment", "previewSegmentFilter", "getSegment", "updateSegment", "deleteSegment", "previewSegment",
            "listTemplates", "createTemplate", "getTemplate", "updateTemplate", "deleteTemplate", "listTemplateRevisions", "previewTemplate",
            "listCampaigns", "createCampaign", "getCampaign", "updateCampaign", "deleteCampaign", "sendCampaign", "scheduleCampaign",
            "pauseCampaign", "resumeCampaign", "cancelCampaign", "testCampaign",
        ] {
            table[operation] = [.campaigns]
        }
        table["listInboxMessages"] = [.contacts, .reports]
        table["reclassifyInboxMessage"] = [.contacts]
        // Webhooks see every event and hold signing secrets: admin only.
        for operation in [
            "listWebhooks", "createWebhook", "getWebhook", "deleteWebhook", "listWebhookDeliveries", "replayWebhookDelivery",
        ] {
            table[operation] = []
        }
        for operation in ["getCampaignReport", "getCampaignFullReport", "getUsageReport", "listRelays"] {
            table[operation] = [.campaigns, .reports]
        }
        return table
    }()
}
