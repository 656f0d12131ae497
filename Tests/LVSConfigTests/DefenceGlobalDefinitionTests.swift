import LVSCore
import Testing

@testable import LVSConfig

/// The defence items of global_defs (docs/configuration.md "Defences").
@Suite struct DefenceGlobalDefinitionTests {
    @Test func everyItemParses() throws {
        let text = """
            global_defs {
              lvs_drop_entry 1
              lvs_drop_packet 3
              lvs_secure_tcp 2
              lvs_amemthresh 2048
              lvs_am_droprate 20
              lvs_max_connection_entries 500000
              lvs_service_rate_limit 1000 200
              lvs_source_rate_limit 50
              lvs_source_rate_slots 4096
            }

            """
        let result = Support.parse(text)
        #expect(Support.lines(result).isEmpty)
        let d = try #require(result.configuration.globalDefinitions.lvsDefences)
        #expect(d.dropEntry == .automaticOff)
        #expect(d.dropPacket == .always)
        #expect(d.secureTCP == .automaticOn)
        #expect(d.memoryThresholdPages == 2048)
        #expect(d.dropRate == 20)
        #expect(d.maxConnectionEntries == 500_000)
        #expect(d.serviceRateLimit == NewConnectionRateLimit(rate: 1000, burst: 200))
        #expect(d.sourceRateLimit == NewConnectionRateLimit(rate: 50, burst: 50))
        #expect(d.sourceRateSlots == 4096)
        // Over the defaults: what was not given keeps its default.
        let applied = d.applied(to: DefenceSettings())
        #expect(applied.dropPacket == .always && applied.memoryThresholdPages == 2048)
        #expect(Support.parse("global_defs {\n}\n").configuration.globalDefinitions.lvsDefences == nil)
    }

    @Test func badValuesAreErrors() {
        for bad in [
            "lvs_drop_entry 4", "lvs_drop_packet", "lvs_secure_tcp on", "lvs_amemthresh -1",
            "lvs_service_rate_limit 0", "lvs_source_rate_limit 10 0",
            "lvs_source_rate_slots 0",
        ] {
            let result = Support.parse("global_defs {\n  \(bad)\n}\n")
            #expect(Support.lines(result).count == 1, "\(bad)")
            #expect(result.configuration.globalDefinitions.lvsDefences == nil, "\(bad)")
        }
        // Extra words are a warning and ignored, as for keepalived's other items.
        let extra = Support.parse("global_defs {\n  lvs_source_rate_limit 1 2 3\n}\n")
        #expect(Support.lines(extra).count == 1)
        #expect(
            extra.configuration.globalDefinitions.lvsDefences?.sourceRateLimit
                == NewConnectionRateLimit(rate: 1, burst: 2))
    }
}
