import LVSConfig
import LVSCore
import Testing

/// keepalived's conditional lines: `@ID …` counts only on the system whose configuration id is
/// ID (`-i`, default the short host name), `@^ID …` on every other one.
@Suite struct ConfigurationIDTests {
    static let text = """
        vrrp_instance VI_1 {
            interface eth0
            virtual_router_id 51
        @high    priority 170
        @low     priority 85
        @^high   advert_int 3
            virtual_ipaddress {
                192.0.2.100
            }
        }

        """

    static func parse(id: String?) -> KeepalivedParseResult {
        KeepalivedConfigurationParser(fileSystem: InMemoryFileSystem(), configurationID: id).parse(text: text)
    }

    @Test func linesForThisSystemCountWithoutTheirPrefix() {
        let high = Self.parse(id: "high")
        #expect(high.diagnostics.isEmpty, "\(high.diagnostics)")
        #expect(high.configuration.vrrpInstances.first?.priority == 170)
        #expect(high.configuration.vrrpInstances.first?.advertisementInterval == nil)
        let low = Self.parse(id: "low")
        #expect(low.configuration.vrrpInstances.first?.priority == 85)
        #expect(low.configuration.vrrpInstances.first?.advertisementInterval == .seconds(3))
    }

    @Test func withoutAMatchingIDOnlyReversedLinesCount() {
        let other = Self.parse(id: nil)
        #expect(other.diagnostics.isEmpty, "\(other.diagnostics)")
        #expect(other.configuration.vrrpInstances.first?.priority == nil)
        #expect(other.configuration.vrrpInstances.first?.advertisementInterval == .seconds(3))
    }
}
