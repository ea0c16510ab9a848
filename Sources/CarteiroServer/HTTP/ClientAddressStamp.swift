import CarteiroAPI
import NIOCore
import NIOHTTP1

/// Writes the client's address into every request head of a connection, as the admin API reads
/// it (`APIClientAddress`): the peer's own, or the address a trusted proxy forwarded. A field of
/// that name the client sent is removed first, so nobody can claim another's address.
///
/// A head that asks for an upgrade (a WebSocket) is the last HTTP this handler sees: it leaves the
/// pipeline with it, before frames that are not HTTP come through.
final class ClientAddressStamp: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart

    private let peer: IPAddress?
    private let addresses: ClientAddressResolver

    init(peer: IPAddress?, addresses: ClientAddressResolver) {
        self.peer = peer
        self.addresses = addresses
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(var head) = unwrapInboundIn(data) else {
            context.fireChannelRead(data)
            return
        }
        head.headers.remove(name: APIClientAddress.headerName)
        if let client = addresses.client(peer: peer, headers: head.headers) {
            head.headers.add(name: APIClientAddress.headerName, value: "\(client)")
        }
        context.fireChannelRead(wrapInboundOut(.head(head)))
        if head.headers.contains(name: "upgrade") {
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
    }
}
