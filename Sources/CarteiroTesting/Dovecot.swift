public import Foundation
import Synchronization

/// A Dovecot IMAP server (Debian's `dovecot-imapd`) for one test: its own folder under the
/// system's temporary directory holding dovecot.conf, the runtime and state folders, the log, a
/// passwd-file with the test's users and their Maildir mail; plaintext login on a free loopback
/// port, and with `tls` also STARTTLS there and implicit TLS (imaps) on a second port, with a
/// fresh self-signed certificate for `localhost`. Stop it with `stop()` (also done when
/// released), which removes the folder.
///
/// The binaries are `$CARTEIRO_DOVECOT` / `$CARTEIRO_DOVEADM` if set, else `/usr/sbin/dovecot` and
/// `/usr/bin/doveadm` (installed by `scripts/setup.sh`). A missing binary is an error, so tests
/// that need the server fail rather than skip.
///
/// `doveadm` (with the same configuration) looks at and changes the mail behind the server's
/// back: what a test checks must not depend only on the IMAP client under test.
public final class Dovecot: Sendable {
    public struct LaunchError: Error, CustomStringConvertible {
        public let description: String
    }

    public struct CommandError: Error, CustomStringConvertible {
        public let description: String
    }

    public let port: Int
    /// The imaps port, when started with `tls`.
    public let tlsPort: Int?
    public let folder: URL
    private let process: Mutex<ChildProcess?>
    private let configFile: URL
    private let logFile: URL
    private let doveadm: String

    private init(process: ChildProcess, port: Int, tlsPort: Int?, folder: URL, doveadm: String) {
        self.process = Mutex(process)
        self.port = port
        self.tlsPort = tlsPort
        self.folder = folder
        self.doveadm = doveadm
        configFile = folder.appendingPathComponent("dovecot.conf")
        logFile = folder.appendingPathComponent("dovecot.log")
    }

    deinit {
        stop()
    }

    /// `imap://user:password@127.0.0.1:PORT/mailbox`, user, password and mailbox percent-encoded;
    /// with `tls`, `imaps://…` on the imaps port.
    public func url(user: String, password: String, mailbox: String = "INBOX", tls: Bool = false) -> String {
        let authority = "\(Self.encoded(user)):\(Self.encoded(password))@127.0.0.1"
        if tls, let tlsPort { return "imaps://\(authority):\(tlsPort)/\(Self.encoded(mailbox))" }
        return "imap://\(authority):\(port)/\(Self.encoded(mailbox))"
    }

    /// Starts Dovecot with these users (name → password) and waits, at most `startTimeout`, for its
    /// `* OK` greeting. `capabilities`, when given, replaces the capability list Dovecot advertises
    /// after login (`imap_capability`), e.g. to hide MOVE; the commands still work. `tls` needs
    /// `openssl` (`$CARTEIRO_OPENSSL`, else `/usr/bin/openssl`) for the certificate.
    public static func start(
        users: [String: String] = ["alice": "secret"], capabilities: String? = nil, tls: Bool = false,
        startTimeout: Duration = .seconds(20)
    ) async throws -> Dovecot {
        let dovecot = ProcessInfo.processInfo.environment["CARTEIRO_DOVECOT"].flatMap { $0.isEmpty ? nil : $0 } ?? "/usr/sbin/dovecot"
        let doveadm = ProcessInfo.processInfo.environment["CARTEIRO_DOVEADM"].flatMap { $0.isEmpty ? nil : $0 } ?? "/usr/bin/doveadm"
        for binary in [dovecot, doveadm] where !FileManager.default.isExecutableFile(atPath: binary) {
            throw LaunchError(
                description: "\(binary) not found; install Debian's dovecot-imapd (scripts/setup.sh) or set CARTEIRO_DOVECOT / CARTEIRO_DOVEADM")
        }
        var lastError: (any Error)?
        // A port found free can be taken by someone else before Dovecot binds it; try again then.
        for _ in 0..<3 {
            do {
                return try await launch(
                    dovecot: dovecot, doveadm: doveadm, users: users, capabilities: capabilities, tls: tls, startTimeout: startTimeout)
            } catch let error as LaunchError where error.description.contains("exited") {
                lastError = error
            }
        }
        throw lastError ?? LaunchError(description: "Dovecot did not start")
    }

    /// Terminates Dovecot (its master stops every process it started), waits for it, and
    /// removes its folder.
    public func stop() {
        guard
            let process = process.withLock({ stored -> ChildProcess? in
                defer { stored = nil }
                return stored
            })
        else { return }
        process.terminate()
        try? FileManager.default.removeItem(at: folder)
    }

    // MARK: Mail behind the server's back (doveadm)

    /// The mailbox's UIDVALIDITY, UIDNEXT and message count, as Dovecot keeps them.
    public func status(user: String, mailbox: String = "INBOX") throws -> (uidValidity: UInt32, uidNext: UInt32, messages: Int) {
        let output = try runDoveadm(["mailbox", "status", "-u", user, "uidvalidity uidnext messages", mailbox])
        var fields: [String: String] = [:]
        for pair in output.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
        }
        guard let uidValidity = fields["uidvalidity"].flatMap({ UInt32($0) }), let uidNext = fields["uidnext"].flatMap({ UInt32($0) }),
            let messages = fields["messages"].flatMap({ Int($0) })
        else { throw CommandError(description: "doveadm mailbox status said: \(output)") }
        return (uidValidity, uidNext, messages)
    }

    /// The UIDs in the mailbox, ascending.
    public func uids(user: String, mailbox: String = "INBOX") throws -> [UInt32] {
        let output = try runDoveadm(["search", "-u", user, "mailbox", mailbox, "all"])
        // Each line: mailbox GUID, space, UID.
        return output.split(separator: "\n").compactMap { $0.split(separator: " ").last.flatMap { UInt32($0) } }.sorted()
    }

    /// The message's flags (`\Seen`, `\Deleted`, …), or nil when the mailbox has no such UID.
    /// `\Recent` is left out: it belongs to whichever session saw the message first, here often
    /// doveadm's own.
    public func flags(user: String, mailbox: String = "INBOX", uid: UInt32) throws -> [String]? {
        let output = try runDoveadm(["fetch", "-u", user, "flags", "mailbox", mailbox, "uid", String(uid)])
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("flags:") }) else { return nil }
        return line.dropFirst("flags:".count).split(separator: " ").map(String.init).filter { $0 != "\\Recent" }
    }

    /// Delivers a message into the mailbox without IMAP (`doveadm save`), unread.
    public func deliver(_ message: [UInt8], user: String, mailbox: String = "INBOX") throws {
        _ = try runDoveadm(["save", "-u", user, "-m", mailbox], input: message)
    }

    /// Drops the messages straight into the mailbox's Maildir `new/` folder, for tests that need
    /// thousands (doveadm save takes ~50 ms a message). The mailbox must exist (INBOX does once the
    /// user has logged in or `status` has looked at it); Dovecot gives them UIDs when it next looks.
    public func deliverToMaildir(_ messages: [[UInt8]], user: String, mailbox: String = "INBOX") throws {
        let userFolder = folder.appendingPathComponent("mail").appendingPathComponent(user)
        let mailboxFolder = mailbox.uppercased() == "INBOX" ? userFolder : userFolder.appendingPathComponent("." + mailbox)
        let newFolder = mailboxFolder.appendingPathComponent("new")
        guard FileManager.default.fileExists(atPath: newFolder.path) else {
            throw CommandError(description: "no Maildir at \(mailboxFolder.path); create the mailbox first")
        }
        let stamp = Int(Date().timeIntervalSince1970)
        for (index, message) in messages.enumerated() {
            let file = newFolder.appendingPathComponent("\(stamp).M\(index)P\(getpid()).carteiro-test")
            try Data(message).write(to: file)
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file.path)
        }
    }

    public func createMailbox(_ mailbox: String, user: String) throws {
        _ = try runDoveadm(["mailbox", "create", "-u", user, mailbox])
    }

    /// Deletes the mailbox with its messages and creates it again, empty: it gets a new
    /// UIDVALIDITY and its UIDs start over. Not for INBOX, which cannot be deleted (see `setUIDValidity`).
    public func recreateMailbox(_ mailbox: String, user: String) throws {
        _ = try runDoveadm(["mailbox", "delete", "-u", user, mailbox])
        _ = try runDoveadm(["mailbox", "create", "-u", user, mailbox])
    }

    /// Gives the mailbox (INBOX too) a new UIDVALIDITY without renumbering. A session that has the
    /// mailbox open may go on seeing the old value, even after selecting it again (Dovecot reuses
    /// the index it has open): to change it under a live client, use `recreateMailbox`.
    public func setUIDValidity(_ uidValidity: UInt32, mailbox: String = "INBOX", user: String) throws {
        _ = try runDoveadm(["mailbox", "update", "-u", user, "--uid-validity", String(uidValidity), mailbox])
    }

    /// How many IMAP logins Dovecot has accepted so far (one per connection a client opened).
    public func loginCount() -> Int {
        loginLines().count
    }

    /// Dovecot's log line of each accepted login: `… Login: user=<alice>, method=PLAIN, …, TLS, …`
    /// (`TLS` when the connection was encrypted, `secured` for plaintext on loopback).
    public func loginLines() -> [String] {
        let log = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
        return log.split(separator: "\n").filter { $0.contains("imap-login: Info: Login: ") }.map(String.init)
    }

    /// The end of Dovecot's log, for test failure messages.
    public func logTail(lines: Int = 30) -> String {
        Self.tail(of: [logFile, folder.appendingPathComponent("output.log")], lines: lines)
    }

    @discardableResult
    private func runDoveadm(_ arguments: [String], input: [UInt8]? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: doveadm)
        process.arguments = ["-c", configFile.path] + arguments
        let output = Pipe()
        let errors = Pipe()
        let stdin = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = input == nil ? FileHandle.nullDevice : stdin
        try process.run()
        if let input {
            try stdin.fileHandleForWriting.write(contentsOf: Data(input))
            try stdin.fileHandleForWriting.close()
        }
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: outputData, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw CommandError(
                description: "doveadm \(arguments.joined(separator: " ")) exited with \(process.terminationStatus): "
                    + String(decoding: errorData, as: UTF8.self) + text)
        }
        return text
    }

    // MARK: Launch

    private static func launch(
        dovecot: String, doveadm: String, users: [String: String], capabilities: String?, tls: Bool, startTimeout: Duration
    ) async throws -> Dovecot {
        let port = try freeLoopbackPort()
        let tlsPort = tls ? try freeLoopbackPort() : nil
        // Tests running side by side can be handed the same free port; then one Dovecot cannot bind
        // it and exits, and only its own greeting tells the winner from the loser.
        let greeting = "Carteiro test Dovecot \(UUID().uuidString)"
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dovecot-\(UUID().uuidString)")
        let mailFolder = folder.appendingPathComponent("mail")
        for subfolder in ["run", "state", "mail"] {
            try FileManager.default.createDirectory(at: folder.appendingPathComponent(subfolder), withIntermediateDirectories: true)
        }
        // The mail processes and doveadm open the mail as the mail user, the login processes
        // traverse the folder as dovenull: the folder must be open to them.
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder.path)
        let runningAsRoot = getuid() == 0
        let mailOwner: String
        let mailGroup: String
        if runningAsRoot {
            mailOwner = "nobody"
            mailGroup = "nogroup"
            guard let nobody = getpwnam("nobody"), let nogroup = getgrnam("nogroup") else {
                throw LaunchError(description: "Dovecot's mail user nobody:nogroup does not exist")
            }
            guard chown(mailFolder.path, nobody.pointee.pw_uid, nogroup.pointee.gr_gid) == 0 else {
                throw LaunchError(description: "could not give \(mailFolder.path) to nobody: errno \(errno)")
            }
        } else {
            mailOwner = String(cString: getpwuid(getuid()).pointee.pw_name)
            mailGroup = String(cString: getgrgid(getgid()).pointee.gr_name)
        }
        let usersFile = folder.appendingPathComponent("users")
        let userLines = users.sorted { $0.key < $1.key }.map { "\($0.key):{PLAIN}\($0.value)::::::\n" }.joined()
        try Data(userLines.utf8).write(to: usersFile)

        var configuration = """
            protocols = imap
            listen = 127.0.0.1
            login_greeting = \(greeting)
            base_dir = \(folder.path)/run
            state_dir = \(folder.path)/state
            log_path = \(folder.path)/dovecot.log
            disable_plaintext_auth = no
            auth_mechanisms = plain login
            mail_location = maildir:\(mailFolder.path)/%u
            first_valid_uid = 0
            first_valid_gid = 0
            passdb {
              driver = passwd-file
              args = scheme=PLAIN \(usersFile.path)
            }
            userdb {
              driver = static
              args = uid=\(mailOwner) gid=\(mailGroup) home=\(mailFolder.path)/%u
            }
            service imap-login {
              chroot =
              inet_listener imap {
                address = 127.0.0.1
                port = \(port)
              }
              inet_listener imaps {
                address = 127.0.0.1
                port = \(tlsPort ?? 0)
                ssl = yes
              }
            }
            service anvil {
              chroot =
            }

            """
        if runningAsRoot {
            configuration += "default_login_user = dovenull\ndefault_internal_user = dovecot\n"
        } else {
            // Without root Dovecot cannot change users: every process runs as the test's user.
            configuration += """
                default_login_user = \(mailOwner)
                default_internal_user = \(mailOwner)
                default_internal_group = \(mailGroup)

                """
        }
        if let capabilities {
            configuration += "imap_capability = \(capabilities)\n"
        }
        if tls {
            let (certificate, key) = try makeCertificate(in: folder)
            configuration += "ssl = yes\nssl_cert = <\(certificate.path)\nssl_key = <\(key.path)\n"
        } else {
            configuration += "ssl = no\n"
        }
        let configFile = folder.appendingPathComponent("dovecot.conf")
        try Data(configuration.utf8).write(to: configFile)

        let process = try ChildProcess(
            executable: dovecot, arguments: ["-F", "-c", configFile.path], outputPath: folder.appendingPathComponent("output.log").path)
        let server = Dovecot(process: process, port: port, tlsPort: tlsPort, folder: folder, doveadm: doveadm)

        let deadline = ContinuousClock.now + startTimeout
        while ContinuousClock.now < deadline {
            if !process.isRunning {
                let tail = server.logTail()
                server.stop()
                throw LaunchError(description: "Dovecot exited with status \(process.exitCode ?? -1) before greeting:\n\(tail)")
            }
            if await greets(port: port, with: greeting) { return server }
            try await Task.sleep(for: .milliseconds(50))
        }
        let tail = server.logTail()
        server.stop()
        throw LaunchError(description: "Dovecot did not greet on port \(port) within \(startTimeout):\n\(tail)")
    }

    /// A self-signed certificate for `localhost` and its key, valid for a day.
    private static func makeCertificate(in folder: URL) throws -> (certificate: URL, key: URL) {
        let openssl = ProcessInfo.processInfo.environment["CARTEIRO_OPENSSL"].flatMap { $0.isEmpty ? nil : $0 } ?? "/usr/bin/openssl"
        guard FileManager.default.isExecutableFile(atPath: openssl) else {
            throw LaunchError(description: "\(openssl) not found; install Debian's openssl (scripts/setup.sh) or set CARTEIRO_OPENSSL")
        }
        let certificate = folder.appendingPathComponent("cert.pem")
        let key = folder.appendingPathComponent("key.pem")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: openssl)
        process.arguments = [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
            "-keyout", key.path, "-out", certificate.path,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw LaunchError(description: "openssl could not make a certificate: exit status \(process.terminationStatus)")
        }
        return (certificate, key)
    }

    /// Whether 127.0.0.1:`port` answers with an IMAP `* OK` greeting ending in `greeting`.
    private static func greets(port: Int, with greeting: String) async -> Bool {
        guard let connection = try? LoopbackConnection(port: port),
            let line = try? await connection.readLine(timeout: .seconds(1))
        else { return false }
        return line.hasPrefix("* OK") && line.contains(greeting)
    }

    private static func encoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
    }

    private static func tail(of files: [URL], lines: Int) -> String {
        files.compactMap { try? String(contentsOf: $0, encoding: .utf8) }
            .joined(separator: "\n")
            .split(separator: "\n", omittingEmptySubsequences: false)
            .suffix(lines)
            .joined(separator: "\n")
    }
}
