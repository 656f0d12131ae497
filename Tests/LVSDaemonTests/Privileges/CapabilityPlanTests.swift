import LVSDaemon
import Testing

@Suite("capabilities kept after start-up")
struct CapabilityPlanTests {
    static let network: Set<Capability> = [.netBindService, .netAdmin, .netRaw]

    static func needs(_ change: (inout CapabilityNeeds) -> Void) -> CapabilityNeeds {
        var needs = CapabilityNeeds()
        change(&needs)
        return needs
    }

    @Test(
        "each configuration keeps what its engines use",
        arguments: [
            (CapabilityNeeds(), Set<Capability>([.netBindService])),
            (CapabilityPlanTests.needs { $0.packetEngine = true }, CapabilityPlanTests.network),
            (CapabilityPlanTests.needs { $0.vrrp = true }, CapabilityPlanTests.network),
            (CapabilityPlanTests.needs { $0.sync = true }, CapabilityPlanTests.network),
            (CapabilityPlanTests.needs { $0.transparentSource = true }, CapabilityPlanTests.network),
            (
                CapabilityPlanTests.needs {
                    $0.packetEngine = true
                    $0.xdp = true
                }, CapabilityPlanTests.network.union([.bpf, .sysAdmin])
            ),
            (CapabilityPlanTests.needs { $0.scriptsAsOtherUser = true }, Set<Capability>([.netBindService, .kill])),
        ])
    func kept(needs: CapabilityNeeds, expected: Set<Capability>) {
        let kept = CapabilityPlan.kept(for: needs)
        #expect(Set(kept.keys) == expected)
        #expect(kept.values.allSatisfy { !$0.isEmpty }, "every capability kept says why")
    }

    @Test("--keep-capabilities adds to the plan without changing its reasons")
    func extras() {
        let kept = CapabilityPlan.kept(for: CapabilityNeeds(), extra: [.netAdmin, .netBindService])
        #expect(Set(kept.keys) == [.netBindService, .netAdmin])
        #expect(kept[.netAdmin] == "--keep-capabilities")
        #expect(kept[.netBindService] == "reloads may add ports below 1024")
    }

    @Test("masks follow linux/capability.h")
    func masks() {
        #expect(CapabilityPlan.mask([Capability.netBindService]) == 0x400)
        #expect(CapabilityPlan.mask([Capability.netAdmin, .netRaw]) == 0x3000)
        #expect(CapabilityPlan.mask([Capability.bpf]) == 1 << 39)
        #expect(CapabilityPlan.mask([Capability]()) == 0)
    }

    @Test("names as setpriv and systemd write them, with or without cap_")
    func names() {
        #expect(Capability(name: "net_admin") == .netAdmin)
        #expect(Capability(name: "CAP_NET_RAW") == .netRaw)
        #expect(Capability(name: "cap_bpf") == .bpf)
        #expect(Capability(name: "net_everything") == nil)
        #expect(Capability.allCases.allSatisfy { Capability(name: $0.description) == $0 })
    }
}
