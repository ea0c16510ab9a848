import ArgumentParser
import CarteiroConversations
import CarteiroDomain
import CarteiroServer
import Foundation
import Logging

/// `carteiro token create|revoke`: agent and admin bearer tokens. Only their hash is stored.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Create or revoke agent (and admin) tokens.",
        subcommands: [Create.self, Revoke.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a token and print it, once (only its SHA-256 is stored).")

        @OptionGroup var storeOptions: StoreOptions

        @Option(help: "Who holds the token; agents' messages show this name.")
        var name: String

        @Option(help: "admin, campaigns, contacts, reports or agent.")
        var scope: String = "agent"

        func run() async throws {
            guard let scope = AccessToken.Scope(rawValue: scope) else { throw CLIError.badInput("invalid scope '\(scope)': \(AccessToken.Scope.allCases.map(\.rawValue).joined(separator: ", "))") }
            let secret = SecretToken.generate()
            let token: AccessToken
            do {
                token = try AccessToken(name: name, scope: scope, tokenHash: SecretToken.hash(secret), createdAt: Date())
            } catch {
                throw CLIError.badInput("invalid \(error.description)")
            }
            try await withStore(storeOptions) { store in try await store.accessTokens.create(token) }
            print(secret)
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke every active token with a name, or one token by id.")

        @OptionGroup var storeOptions: StoreOptions

        @Option(help: "Revoke every active token with this name.")
        var name: String?

        @Option(help: "Revoke the token with this id.")
        var id: String?

        func run() async throws {
            guard (name == nil) != (id == nil) else { throw CLIError.badInput("give --name or --id (one of them)") }
            let revoked = try await withStore(storeOptions) { store in
                if let name { return try await store.accessTokens.revoke(name: name) }
                return try await store.accessTokens.revoke(id: AccessTokenID(rawValue: id ?? "")) ? 1 : 0
            }
            guard revoked > 0 else { throw CLIError.failed("no active token \(name.map { "named \($0)" } ?? "with id \(id ?? "")")") }
            print("revoked \(revoked) token\(revoked == 1 ? "" : "s")")
        }
    }
}

/// Opens the store the options name, runs `body`, closes it; store failures become one line.
private func withStore<T>(_ options: StoreOptions, _ body: (any Store) async throws -> T) async throws -> T {
    let location = try await options.location()
    let store: any Store
    do {
        store = try await StoreFactory.open(
            location, compoundPagingIndexes: options.compoundPagingIndexes,
            logger: Logger(label: "carteiro.token", factory: { _ in SwiftLogNoOpLogHandler() }))
    } catch {
        throw CLIError.badInput("cannot open the store \(location): \(error)")
    }
    do {
        let result = try await body(store)
        await store.close()
        return result
    } catch let error as CLIError {
        await store.close()
        throw error
    } catch {
        await store.close()
        throw CLIError.failed("\(error)")
    }
}
