import ArgumentParser
import CarteiroConversations
import CarteiroDomain
import CarteiroServer
import Foundation
import Logging

/// `carteiro token create|list|revoke`: bearer tokens for agents and the admin API. Only their
/// hash is stored.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Create, list or revoke tokens for agents and the admin API.",
        subcommands: [Create.self, List.self, Revoke.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a token and print it, once (only its SHA-256 is stored).")

        @OptionGroup var storeOptions: StoreOptions

        @Option(help: "Who holds the token; agents' messages show this name.")
        var name: String

        @Option(help: "admin, campaigns, contacts, reports or agent.")
        var scope: String = "agent"

        @Option(
            parsing: .unconditional,
            help: "Refuse the token after this long: a number and s, m, h or d (90d, 12h, 30m, 45s). Default: it does not expire.")
        var expiresIn: String?

        func run() async throws {
            guard let scope = AccessToken.Scope(rawValue: scope) else {
                throw CLIError.badInput("invalid scope '\(scope)': \(AccessToken.Scope.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let lifetime = try expiresIn.map { text in
                guard let seconds = TokenCommand.seconds(in: text) else {
                    throw CLIError.badInput("invalid --expires-in '\(text)': a positive number and s, m, h or d, as in 90d, 12h, 30m or 45s")
                }
                return seconds
            }
            let secret = SecretToken.generate()
            let now = Date()
            let token: AccessToken
            do {
                token = try AccessToken(
                    name: name, scope: scope, tokenHash: SecretToken.hash(secret), createdAt: now, expiresAt: lifetime.map(now.addingTimeInterval))
            } catch {
                throw CLIError.badInput("invalid \(error.description)")
            }
            try await withStore(storeOptions) { store in try await store.accessTokens.create(token) }
            print(secret)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the tokens: id, name, scope, created, last used, expiry and status (never the secret or its hash).")

        @OptionGroup var storeOptions: StoreOptions

        func run() async throws {
            let tokens = try await withStore(storeOptions) { store in try await store.accessTokens.list() }
            let now = Date()
            let rows = tokens.map { token in
                [
                    token.id.rawValue, token.name, token.scope.rawValue, TokenCommand.format(token.createdAt),
                    token.lastUsedAt.map(TokenCommand.format) ?? "never", token.expiresAt.map(TokenCommand.format) ?? "never",
                    token.revoked ? "revoked" : token.isActive(at: now) ? "active" : "expired",
                ]
            }
            print(TokenCommand.table(header: ["ID", "NAME", "SCOPE", "CREATED", "LAST USED", "EXPIRES", "STATUS"], rows: rows), terminator: "")
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

extension TokenCommand {
    /// Seconds in `90d`, `12h`, `30m` or `45s`; nil for anything else, zero, or more than 100 years.
    static func seconds(in text: String) -> TimeInterval? {
        guard let unit = text.last, let count = Int(text.dropLast()), count > 0, text.dropLast().allSatisfy({ $0.isASCII && $0.isNumber }) else {
            return nil
        }
        let multiplier: Int
        switch unit {
        case "s": multiplier = 1
        case "m": multiplier = 60
        case "h": multiplier = 3_600
        case "d": multiplier = 86_400
        default: return nil
        }
        guard count <= 36_500 * 86_400 / multiplier else { return nil }
        return TimeInterval(count * multiplier)
    }

    /// UTC, to the second: `2026-12-07T18:54:31Z`.
    static func format(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle())
    }

    /// Columns padded to their widest cell, two spaces apart; one line per row, the header first.
    static func table(header: [String], rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.indices.map { column in
                column == row.count - 1 ? row[column] : row[column].padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.map { $0 + "\n" }.joined()
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
