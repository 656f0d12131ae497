import Foundation
import Testing

@testable import LVSHTTP

@Suite("OpenAPI document")
struct OpenAPIDocumentTests {
    static var repository: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    @Test("docs/openapi.json and the served document are identical byte for byte")
    func sameBytes() throws {
        let file = try Data(contentsOf: Self.repository.appendingPathComponent("docs/openapi.json"))
        #expect(Array(file) == Array(OpenAPIDocument.text.utf8), "run scripts/generate-openapi.py")
    }

    @Test("every route of the API is documented, and every documented path is routed")
    func routesDocumented() throws {
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.text.utf8)) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        let routes = RESTAPI(handler: NoHandler()).routes
        var routed = Set<String>()
        for route in routes {
            let path = route.pattern.description
            routed.insert("\(route.method.rawValue) \(path)")
            #expect(paths[path]?[route.method.rawValue.lowercased()] != nil, "\(route.method.rawValue) \(path)")
        }
        for (path, operations) in paths {
            for method in operations.keys where method != "parameters" {
                #expect(routed.contains("\(method.uppercased()) \(path)"), "\(method) \(path)")
            }
        }
    }
}
