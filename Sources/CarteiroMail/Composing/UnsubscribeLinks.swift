import Foundation

/// One-click unsubscribe links (RFC 8058): a token naming the job, signed with a server secret,
/// so a link cannot be forged for someone else and needs no lookup table.
public struct UnsubscribeLinks: Sendable {
    /// Base of the HTTPS link, e.g. `https://mail.isp.example/u/`.
    public let baseURL: String
    /// Address for the `mailto:` alternative, e.g. `unsubscribe@isp.example`.
    public let mailbox: String
    /// `List-Id` value, e.g. `Ofertas <ofertas.isp.example>`.
    public let listID: String
    private let signer: LinkSigner

    public init(baseURL: String, mailbox: String, listID: String, secret: [UInt8]) {
        self.init(baseURL: baseURL, mailbox: mailbox, listID: listID, signer: LinkSigner(secret: secret))
    }

    public init(baseURL: String, mailbox: String, listID: String, signer: LinkSigner) {
        self.baseURL = baseURL.hasSuffix("/") ? baseURL : baseURL + "/"
        self.mailbox = mailbox
        self.listID = listID
        self.signer = signer
    }

    public func token(for jobID: String) -> String { signer.sign(jobID) }

    public func url(for jobID: String) -> String { baseURL + token(for: jobID) }

    /// The job a token names, if the token is genuine.
    public func jobID(fromToken token: String) -> String? { signer.payload(of: token) }
}
