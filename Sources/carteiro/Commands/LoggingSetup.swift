import CarteiroServer
import Logging

enum LoggingSetup {
    /// Bootstraps swift-log once for the process and returns the root logger.
    static func bootstrap(format: ServerConfiguration.LogFormat, level: String) -> Logger {
        let logLevel = Logger.Level(rawValue: level) ?? .info
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler =
                switch format {
                case .json: JSONLogHandler(label: label)
                case .text: StreamLogHandler.standardError(label: label)
                }
            handler.logLevel = logLevel
            return handler
        }
        return Logger(label: "carteiro")
    }
}
