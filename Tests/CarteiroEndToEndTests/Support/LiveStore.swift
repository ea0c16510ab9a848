import CarteiroTesting
import Foundation
import Testing

/// The store of a live story: a temporary data folder and, for MongoDB, an nx-27017 server;
/// the arguments and environment every `carteiro` process of the story is given.
struct LiveStore {
    let folder: TemporaryDirectory
    let mongo: MongoWireServer?
    /// `--data-dir …` and, for MongoDB, `--store mongodb://…`.
    let arguments: [String]
    /// nx-27017 fails inserts into a collection with a compound {field, _id} index (MongoDB does
    /// not): its processes build none.
    let environment: [String: String]

    static func start(mongodb: Bool) async throws -> LiveStore {
        let folder = try TemporaryDirectory()
        let mongo = mongodb ? try await MongoWireServer.start() : nil
        return LiveStore(
            folder: folder, mongo: mongo, arguments: ["--data-dir", folder.path] + (mongo.map { ["--store", $0.uri] } ?? []),
            environment: mongo == nil ? [:] : ["CARTEIRO_MONGO_COMPOUND_INDEXES": "0"])
    }

    func stop() {
        mongo?.stop()
        folder.remove()
    }

    /// A new access token of `scope`, as `carteiro token create` prints it.
    func token(name: String, scope: String) async throws -> String {
        let created = try await CarteiroProcess.run(["token", "create", "--name", name, "--scope", scope] + arguments, environment: environment)
        #expect(created.exitCode == 0, "\(created.standardError)")
        return created.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
