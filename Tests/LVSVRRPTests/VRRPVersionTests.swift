import Testing

@testable import LVSVRRP

@Suite struct VRRPVersionTests {
    @Test func rawValuesAreTheWireVersions() {
        #expect(VRRPVersion.v2.rawValue == 2)
        #expect(VRRPVersion.v3.rawValue == 3)
    }
}
