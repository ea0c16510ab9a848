import Hummingbird
import NIOCore

/// Refuses a request body over its limit with 413: at once when `Content-Length` says so, and
/// otherwise as soon as the streamed body passes it. Imports get a larger limit than the rest.
struct BodyLimitMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    let limit: Int
    let importLimit: Int

    func handle(_ request: Request, context: APIRequestContext, next: (Request, APIRequestContext) async throws -> Response) async throws
        -> Response
    {
        let limit = request.uri.path.hasSuffix("/contacts/import") ? importLimit : self.limit
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            return ErrorResponse.make(.tooLarge(limit: limit))
        }
        var request = request
        let body = request.body
        request.body = RequestBody(asyncSequence: LimitedBody(base: body, limit: limit))
        do {
            return try await next(request, context)
        } catch let error as BodyTooLarge {
            return ErrorResponse.make(.tooLarge(limit: error.limit))
        }
    }
}

/// Thrown by `LimitedBody` when the bytes read pass the limit.
struct BodyTooLarge: Error {
    let limit: Int
}

/// A request body that throws `BodyTooLarge` once more than `limit` bytes came through.
struct LimitedBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let base: RequestBody
    let limit: Int

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: RequestBody.AsyncIterator
        let limit: Int
        var seen = 0

        mutating func next() async throws -> ByteBuffer? {
            guard let buffer = try await base.next() else { return nil }
            seen += buffer.readableBytes
            if seen > limit { throw BodyTooLarge(limit: limit) }
            return buffer
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeAsyncIterator(), limit: limit) }
}
