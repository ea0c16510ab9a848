import Foundation

/// Where the shared corpora are: `$CARTEIRO_CORPORA`, or `../shared/corpora` next to the first
/// folder above this file that has one (the package root, `/work/nlu` or `/work/main`).
enum Corpora {
    static func directory(filePath: String = #filePath) -> String? {
        if let path = ProcessInfo.processInfo.environment["CARTEIRO_CORPORA"], !path.isEmpty { return path }
        var folder = URL(fileURLWithPath: filePath).deletingLastPathComponent()
        while folder.path != "/" {
            let candidate = folder.appendingPathComponent("../shared/corpora").standardizedFileURL
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), isDirectory.boolValue {
                return candidate.path
            }
            folder.deleteLastPathComponent()
        }
        return nil
    }
}
