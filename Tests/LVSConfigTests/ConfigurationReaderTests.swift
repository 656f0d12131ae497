import Testing

@testable import LVSConfig

@Suite struct ConfigurationReaderTests {
    private func tree(_ text: String, files: [String: String] = [:], depth: Int = 8)
        -> ([ConfigurationNode], [String])
    {
        var all = files
        all["keepalived.conf"] = text
        let reader = ConfigurationReader(fileSystem: InMemoryFileSystem(all), maximumIncludeDepth: depth)
        var log = DiagnosticLog()
        let nodes = reader.read(path: "keepalived.conf", diagnostics: &log)
        return (nodes, log.entries.map(\.description))
    }

    /// `name arg arg` of every statement, depth first, nested blocks indented by two spaces.
    private func outline(_ nodes: [ConfigurationNode], indent: String = "") -> [String] {
        nodes.flatMap { node -> [String] in
            let head = indent + ([node.keyword] + node.arguments).map(\.description).joined(separator: " ")
            return [head + (node.block == nil ? "" : " {")] + outline(node.block ?? [], indent: indent + "  ")
        }
    }

    @Test func commentsStartWithHashOrBangAtTheStartOfAWord() {
        let (nodes, diagnostics) = tree(
            """
            # comment line
            ! another
            router_id A#1 ! trailing
            smtp_server 192.0.2.1 # trailing
            notification_email_from "a#b!c"
            """)
        #expect(diagnostics == [])
        #expect(outline(nodes) == ["router_id A#1", "smtp_server 192.0.2.1", "notification_email_from \"a#b!c\""])
    }

    @Test func quotedStringsKeepBlanksBracesAndEscapes() {
        let (nodes, diagnostics) = tree(#"notify_up "/bin/run {a} \"x\" \\" user"#)
        #expect(diagnostics == [])
        #expect(nodes.first?.arguments.map(\.text) == [#"/bin/run {a} "x" \"#, "user"])
        #expect(nodes.first?.arguments.first?.isQuoted == true)
        #expect(
            nodes.first?.arguments.first?.location
                == ConfigurationLocation(file: "keepalived.conf", line: 1, column: 11))
    }

    @Test func bracesOnTheSameLineTheNextLineOrAgainstAWord() {
        let (nodes, diagnostics) = tree(
            """
            a 1 {
              b
              {
                c 2
              }
            }
            d{e 3}
            f
            {
            }
            """)
        #expect(diagnostics == [])
        #expect(outline(nodes) == ["a 1 {", "  b {", "    c 2", "d {", "  e 3", "f {"])
        #expect(nodes.last?.blockLocation == ConfigurationLocation(file: "keepalived.conf", line: 9, column: 1))
    }

    @Test func everyTokenCarriesFileLineAndColumn() {
        let (nodes, _) = tree("global_defs {\n\trouter_id   X\n}\n")
        let inner = nodes.first?.block?.first
        #expect(inner?.keyword.location == ConfigurationLocation(file: "keepalived.conf", line: 2, column: 2))
        #expect(inner?.arguments.first?.location == ConfigurationLocation(file: "keepalived.conf", line: 2, column: 14))
    }

    @Test func backslashAtLineEndContinuesTheLine() {
        let (nodes, diagnostics) = tree("notify_up \"/bin/x\" \\\n    nobody\\\n nogroup\nweight 1\n")
        #expect(diagnostics == [])
        #expect(outline(nodes) == ["notify_up \"/bin/x\" nobody nogroup", "weight 1"])
        #expect(nodes.first?.arguments.last?.location.line == 3)
    }

    @Test func includesExpandGlobsInSortedOrderRelativeToTheIncludingFile() {
        let (nodes, diagnostics) = tree(
            "a 1\ninclude conf.d/*.conf\nz 26\n",
            files: [
                "conf.d/b.conf": "b 2\ninclude sub/?.inc\n", "conf.d/a.conf": "a 2\n", "conf.d/sub/x.inc": "x 3\n",
                "conf.d/notes.txt": "n 0\n",
            ])
        #expect(diagnostics == [])
        #expect(outline(nodes) == ["a 1", "a 2", "b 2", "x 3", "z 26"])
        #expect(nodes[3].location == ConfigurationLocation(file: "conf.d/sub/x.inc", line: 1, column: 1))
    }

    @Test func includeInsideABlockSplicesStatementsIntoIt() {
        let (nodes, diagnostics) = tree(
            "virtual_server 192.0.2.1 80 {\n  include rs.conf\n}\n",
            files: ["rs.conf": "real_server 10.0.0.1 80 {\n}\n"])
        #expect(diagnostics == [])
        #expect(outline(nodes) == ["virtual_server 192.0.2.1 80 {", "  real_server 10.0.0.1 80 {"])
    }

    @Test func includeWithoutMatchesWarnsAndMissingFileIsAnError() {
        let (_, diagnostics) = tree("include none/*.conf\ninclude missing.conf\ninclude\n")
        #expect(
            diagnostics == [
                "keepalived.conf:1:9: warning: include pattern \"none/*.conf\" matches no file",
                "keepalived.conf:2:9: error: cannot read included file \"missing.conf\": no such file; check the path",
                "keepalived.conf:3:1: error: include needs a file name or pattern, e.g. include /etc/keepalived/conf.d/*.conf",
            ])
    }

    @Test func includeCyclesAreDetected() {
        let (nodes, diagnostics) = tree(
            "a 1\ninclude b.conf\n",
            files: ["b.conf": "b 1\ninclude ./c.conf\n", "c.conf": "include keepalived.conf\nc 1\n"])
        #expect(
            diagnostics == [
                "c.conf:1:9: error: include cycle keepalived.conf -> b.conf -> c.conf -> keepalived.conf; remove one of these includes"
            ])
        #expect(outline(nodes) == ["a 1", "b 1", "c 1"])
    }

    @Test func includeDepthIsBounded() {
        var files: [String: String] = [:]
        for level in 1...5 { files["l\(level).conf"] = "s \(level)\ninclude l\(level + 1).conf\n" }
        files["l6.conf"] = "s 6\n"
        let (nodes, diagnostics) = tree("include l1.conf\n", files: files, depth: 3)
        #expect(
            diagnostics == [
                "l3.conf:2:9: error: includes nested deeper than 3 levels at \"l4.conf\"; flatten the includes"
            ])
        #expect(outline(nodes) == ["s 1", "s 2", "s 3"])
    }

    @Test func unbalancedBracesAndQuotesAreReportedAndReadingGoesOn() {
        let (nodes, diagnostics) = tree("}\na {\n  b \"open\n  {\nc 1\n")
        #expect(
            diagnostics == [
                "keepalived.conf:3:5: error: unterminated quoted string; add the closing \" on the same line",
                "keepalived.conf:1:1: error: \"}\" closes no block; remove it or add the matching \"{\"",
                "keepalived.conf:4:3: error: block of \"b\" is never closed; add \"}\" at its end",
                "keepalived.conf:2:3: error: block of \"a\" is never closed; add \"}\" at its end",
            ])
        #expect(outline(nodes) == ["a {", "  b \"open\" {", "    c 1"])
    }

    @Test func globPatternMatching() {
        func m(_ p: String, _ n: String) -> Bool { GlobPattern.matches(pattern: Array(p), name: Array(n)) }
        #expect(m("*.conf", "a.conf"))
        #expect(!m("*.conf", "a.conf.bak"))
        #expect(m("l?.conf", "l1.conf"))
        #expect(m("[a-c]x", "bx"))
        #expect(!m("[!a-c]x", "bx"))
        #expect(m("a\\*", "a*"))
        #expect(!m("a\\*", "ab"))
    }
}
