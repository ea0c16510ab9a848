import Foundation
import NIOCore

/// Start-up failures in words a person can act on, instead of a system call and an errno.
public enum StartupError {
    /// One line for an error that stopped `serve`.
    public static func describe(_ error: any Error, host: String, port: Int) -> String {
        if let error = error as? IOError {
            switch error.errnoCode {
            case EADDRINUSE: return "port \(port) is already in use on \(host); choose another with --port (or CARTEIRO_PORT)"
            case EADDRNOTAVAIL: return "\(host) is not an address of this machine; choose another with --host"
            case EACCES: return "port \(port) needs privileges this process does not have; choose a port above 1023 with --port"
            default: return "cannot listen on \(host):\(port): \(String(cString: strerror(error.errnoCode)))"
            }
        }
        if let error = error as? SocketAddressError {
            return "cannot listen on \(host):\(port): \(host) is not an address or a known host name (\(error))"
        }
        let text = "\(error)"
        return text.split(separator: "\n").first.map(String.init) ?? text
    }
}
