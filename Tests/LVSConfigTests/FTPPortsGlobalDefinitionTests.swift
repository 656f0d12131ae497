import Testing

@testable import LVSConfig

/// `lvs_ftp_ports` in global_defs: the FTP helper's control ports (reference §6).
@Suite struct FTPPortsGlobalDefinitionTests {
    @Test func portsNoneAndErrors() throws {
        let ports = Support.parse("global_defs {\n  lvs_ftp_ports 21 2121\n}\n")
        #expect(Support.lines(ports).isEmpty)
        #expect(ports.configuration.globalDefinitions.lvsFTPPorts == [21, 2121])
        let none = Support.parse("global_defs {\n  lvs_ftp_ports none\n}\n")
        #expect(none.configuration.globalDefinitions.lvsFTPPorts == [])
        #expect(Support.parse("global_defs {\n}\n").configuration.globalDefinitions.lvsFTPPorts == nil)
        for bad in ["lvs_ftp_ports", "lvs_ftp_ports 1", "lvs_ftp_ports 70000", "lvs_ftp_ports ftp"] {
            let result = Support.parse("global_defs {\n  \(bad)\n}\n")
            #expect(Support.lines(result).count == 1, "\(bad)")
            #expect(result.configuration.globalDefinitions.lvsFTPPorts == nil)
        }
    }
}
