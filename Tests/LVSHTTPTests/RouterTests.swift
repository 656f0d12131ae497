import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import LVSHTTP

@Suite("HTTP router")
struct RouterTests {
    static func route(_ method: HTTPMethod, _ pattern: String, _ tag: String) -> HTTPRoute {
        HTTPRoute(method, pattern) { request in
            request.respond(HTTPResponse(status: .ok, body: Array(tag.utf8)))
        }
    }

    static let router = HTTPRouter([
        route(.GET, "/api/v1/services", "list"),
        route(.POST, "/api/v1/services", "add"),
        route(.GET, "/api/v1/services/{protocol}/{address}/{port}", "service"),
        route(.GET, "/api/v1/services/{kind}/{mark}/real-servers", "fwmark-real-servers"),
    ])

    func tag(_ resolution: HTTPRouter.Resolution) throws -> (String, [String: String])? {
        guard case .matched(let route, let parameters) = resolution else { return nil }
        let response = try route.handler(
            HTTPRouteRequest(method: route.method, path: [], eventLoop: EmbeddedEventLoop())
        ).wait()
        return (String(decoding: response.body, as: UTF8.self), parameters)
    }

    @Test("a path with parameters matches and names them")
    func parameters() throws {
        let (tag, parameters) = try #require(
            try tag(Self.router.resolve(method: .GET, path: ["api", "v1", "services", "tcp", "10.0.0.1", "80"])))
        #expect(tag == "service")
        #expect(parameters == ["protocol": "tcp", "address": "10.0.0.1", "port": "80"])
    }

    @Test("the pattern with more literal segments wins over a parameter")
    func specificity() throws {
        let (tag, parameters) = try #require(
            try tag(Self.router.resolve(method: .GET, path: ["api", "v1", "services", "fwmark", "5", "real-servers"])))
        #expect(tag == "fwmark-real-servers")
        #expect(parameters == ["kind": "fwmark", "mark": "5"])
    }

    @Test("the same path under another method is 405 with the allowed methods; no path at all is 404")
    func methodNotAllowedAndNotFound() {
        guard
            case .methodNotAllowed(let allowed) = Self.router.resolve(method: .DELETE, path: ["api", "v1", "services"])
        else {
            Issue.record("expected 405")
            return
        }
        #expect(allowed == [.GET, .POST])
        guard case .notFound = Self.router.resolve(method: .GET, path: ["api", "v2"]) else {
            Issue.record("expected 404")
            return
        }
    }

    @Test("HEAD is answered by the GET route")
    func head() throws {
        #expect(try tag(Self.router.resolve(method: .HEAD, path: ["api", "v1", "services"]))?.0 == "list")
    }

    @Test("targets are split into decoded segments and query members; bad escapes are refused")
    func split() throws {
        let (path, query) = try #require(
            HTTPRouter.split(target: "/api/v1/services/tcp/2001%3Adb8%3A%3A1/80?offset=10&limit=5&x=a+b"))
        #expect(path == ["api", "v1", "services", "tcp", "2001:db8::1", "80"])
        #expect(query == ["offset": "10", "limit": "5", "x": "a b"])
        #expect(HTTPRouter.split(target: "/api/%zz") == nil)
        #expect(HTTPRouter.split(target: "/api/%ff") == nil)
        #expect(HTTPPathPattern("/a/{b}/c").description == "/a/{b}/c")
        #expect(HTTPPathPattern("/a/{b}/c").literalCount == 2)
    }

    @Test("writes change state unless said otherwise; reads do not")
    func changesState() {
        #expect(Self.route(.GET, "/x", "").changesState == false)
        #expect(Self.route(.POST, "/x", "").changesState == true)
        #expect(HTTPRoute(.POST, "/x", changesState: false) { $0.respond(.noContent) }.changesState == false)
    }
}
