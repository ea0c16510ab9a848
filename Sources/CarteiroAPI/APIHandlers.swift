import CarteiroDomain
import Foundation
import Logging

/// The operations of `openapi.yaml`, one extension per resource (`Contacts/`, `Lists/`, …). Each
/// maps the generated types to the domain and back and calls the use cases and the store ports;
/// it holds no state of its own.
struct APIHandlers: APIProtocol {
    let store: any Store
    /// The public sign-up form's settings and limits; nil when no sign-up address is configured.
    let signUps: SignUpDesk?
    let logger: Logger
    /// The document as JSON, converted once from the YAML compiled into the binary.
    let documentJSON: Data

    init(store: any Store, signUps: SignUpDesk? = nil, logger: Logger) throws {
        self.store = store
        self.signUps = signUps
        self.logger = logger
        self.documentJSON = try OpenAPIDocument.json()
    }
}
