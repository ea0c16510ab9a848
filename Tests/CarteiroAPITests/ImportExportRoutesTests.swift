import CarteiroDomain
import CarteiroStoreTesting
import HTTPTypes
import Foundation
import Testing

@Suite("Contacts API: CSV import and export")
struct ImportExportRoutesTests {
    @Test func badRowsAreReportedWithLineAndColumnAndGoodRowsAreStored() async throws {
        try await APIHarness.with { api in
            let csv = """
                email,name,status,tags,age:number,vip:boolean,since:date,city
                ana@example.com,Ana,confirmed,a;b,31,true,2020-01-31,São Paulo
                not-an-address,Bad,pending,,,,,
                bia@example.com,Bia,pending,,thirty,,,
                caio@example.com,Caio,vip,,,,,
                "Duda <duda@example.com>",,,,,,,Recife
                eva@example.com,Eva,,,,,,,extra
                fabio@example.com,"Fábio ""F"" Lima",pending,,,false,,Natal
                gil@example.com,Gil,pending,,,,2021-13-01,
                "hana@example.com,Hana
                """
            let reply = try await api.send(.post, "/api/v1/contacts/import", csv: csv)
            #expect(reply.status == .ok)
            #expect(reply.json["rows"] as? Int == 9)
            #expect(reply.json["created"] as? Int == 3)
            #expect(reply.json["failed"] as? Int == 6)
            let errors = try #require(reply.json["errors"] as? [[String: Any]])
            let byRow = Dictionary(uniqueKeysWithValues: errors.map { ($0["row"] as? Int ?? 0, $0) })
            #expect(byRow[3]?["column"] as? String == "email")
            #expect(byRow[4]?["column"] as? String == "age:number")
            #expect(byRow[5]?["column"] as? String == "status")
            #expect((byRow[7]?["reason"] as? String)?.contains("fields") == true)
            #expect(byRow[9]?["column"] as? String == "since:date")
            #expect((byRow[10]?["reason"] as? String)?.contains("never closed") == true)
            let ana = try #require(try await api.fixture.store.contacts.find(email: try EmailAddress("ana@example.com")))
            #expect(ana.attributes["age"] == .number(31))
            #expect(ana.attributes["vip"] == .boolean(true))
            #expect(ana.attributes["since"] == .date("2020-01-31"))
            #expect(ana.attributes["city"] == .string("São Paulo"))
            #expect(ana.consent?.method == .import)
            #expect(ana.tags == ["a", "b"])
            let duda = try #require(try await api.fixture.store.contacts.find(email: try EmailAddress("duda@example.com")))
            #expect(duda.name == "Duda")
            let fabio = try #require(try await api.fixture.store.contacts.find(email: try EmailAddress("fabio@example.com")))
            #expect(fabio.name == #"Fábio "F" Lima"#)
        }
    }

    @Test func aStrayQuoteCostsOneRowOnly() async throws {
        try await APIHarness.with { api in
            let reply = try await api.send(.post, "/api/v1/contacts/import", csv: "email,name\na@example.com,A\"x\nb@example.com,B\n")
            #expect(reply.json["failed"] as? Int == 1)
            #expect(reply.json["created"] as? Int == 1)
            #expect(((reply.json["errors"] as? [[String: Any]])?.first?["row"] as? Int) == 2)
        }
    }

    @Test func upsertUpdatesExistingContactsAndSkipExistingLeavesThem() async throws {
        try await APIHarness.with { api in
            _ = try await api.create(#"{"email": "ana@example.com", "name": "Ana"}"#)
            let skip = try await api.send(
                .post, "/api/v1/contacts/import?mode=skip_existing", csv: "email,name\nana@example.com,Ana Nova\nbia@example.com,Bia\n")
            #expect(skip.json["skipped"] as? Int == 1)
            #expect(skip.json["created"] as? Int == 1)
            #expect(try await api.fixture.store.contacts.find(email: try EmailAddress("ana@example.com"))?.name == "Ana")
            let upsert = try await api.send(.post, "/api/v1/contacts/import", csv: "email,name,plan\nana@example.com,Ana Nova,gold\n")
            #expect(upsert.json["updated"] as? Int == 1)
            let ana = try await api.fixture.store.contacts.find(email: try EmailAddress("ana@example.com"))
            #expect(ana?.name == "Ana Nova")
            #expect(ana?.attributes["plan"] == .string("gold"))
        }
    }

    @Test func importIntoAListMakesMembersAndAnUnknownListIs404() async throws {
        try await APIHarness.with { api in
            let list = try await api.send(.post, "/api/v1/lists", json: #"{"name": "Clientes"}"#)
            let listID = try #require(list.json["id"] as? String)
            let reply = try await api.send(.post, "/api/v1/contacts/import?listId=\(listID)", csv: "email\na@example.com\nb@example.com\n")
            #expect(reply.json["created"] as? Int == 2)
            #expect(try await api.send(.get, "/api/v1/lists/\(listID)").json["memberCount"] as? Int == 2)
            let unknown = try await api.send(.post, "/api/v1/contacts/import?listId=nolist", csv: "email\nc@example.com\n")
            #expect(unknown.status == .notFound)
        }
    }

    @Test func erasedAddressInAnImportIsSkippedWithAReason() async throws {
        try await APIHarness.with { api in
            let created = try await api.create(#"{"email": "gone@example.com"}"#)
            _ = try await api.send(.delete, "/api/v1/contacts/\(created["id"] as? String ?? "")")
            let reply = try await api.send(.post, "/api/v1/contacts/import", csv: "email\nGONE@example.com\n")
            #expect(reply.json["skipped"] as? Int == 1)
            #expect(reply.json["created"] as? Int == 0)
            #expect(((reply.json["errors"] as? [[String: Any]])?.first?["reason"] as? String)?.contains("erased") == true)
        }
    }

    @Test func headerWithoutEmailIs422() async throws {
        try await APIHarness.with { api in
            let reply = try await api.send(.post, "/api/v1/contacts/import", csv: "name\nAna\n")
            #expect(reply.status == .unprocessableContent)
        }
    }

    @Test func exportedFileImportsBackToTheSameContacts() async throws {
        try await APIHarness.with { api in
            _ = try await api.create(
                #"{"email": "ana@example.com", "name": "Souza, Ana \"A\"", "status": "confirmed", "tags": ["x", "y"], "attributes": {"age": 31, "vip": true, "since": {"date": "2024-02-29"}, "city": " São Paulo"}}"#
            )
            _ = try await api.create(#"{"email": "bia@example.com", "locale": "en-GB", "timezone": "Europe/London", "attributes": {"age": 0.5}}"#)
            let erased = try await api.create(#"{"email": "gone@example.com"}"#)
            _ = try await api.send(.delete, "/api/v1/contacts/\(erased["id"] as? String ?? "")")
            let export = try await api.send(.get, "/api/v1/contacts/export")
            #expect(export.status == .ok)
            #expect(export.text.hasPrefix("email,name,locale,timezone,status,tags,age:number,city,since:date,vip:boolean\r\n"))
            #expect(!export.text.contains("gone@"))
            let before = try await api.fixture.store.contacts.list(page: .first).items.filter { $0.status != .erased }
            try await APIHarness.with { fresh in
                let reply = try await fresh.send(.post, "/api/v1/contacts/import", csv: export.text)
                #expect(reply.json["created"] as? Int == 2)
                #expect(reply.json["failed"] as? Int == 0)
                for contact in before {
                    let copy = try #require(try await fresh.fixture.store.contacts.find(email: contact.email))
                    #expect(copy.name == contact.name)
                    #expect(copy.locale == contact.locale)
                    #expect(copy.timezone == contact.timezone)
                    #expect(copy.status == contact.status)
                    #expect(copy.tags == contact.tags)
                    #expect(copy.attributes == contact.attributes)
                }
            }
        }
    }
}
