import LVSCore
import Testing

@testable import LVSVRRP

@Suite struct VRRPTimersTests {
    struct Row: Sendable, CustomStringConvertible {
        var version: VRRPVersion
        var priority: UInt8
        var intervalCentiseconds: UInt16
        var skew: UInt64
        var masterDown: UInt64
        var description: String { "v\(version.rawValue) priority \(priority) interval \(intervalCentiseconds) cs" }
    }

    static let rows: [Row] = [
        // RFC 3768 §6.1: (256 − 100)/256 s = 0.609375 s; 3 × 1 s + skew.
        Row(version: .v2, priority: 100, intervalCentiseconds: 100, skew: 609_375, masterDown: 3_609_375),
        Row(version: .v2, priority: 255, intervalCentiseconds: 100, skew: 3_906, masterDown: 3_003_906),
        Row(version: .v2, priority: 128, intervalCentiseconds: 200, skew: 500_000, masterDown: 6_500_000),
        // RFC 5798 §6.1: (256 − 200) × 100 cs / 256 = 21.875 cs.
        Row(version: .v3, priority: 200, intervalCentiseconds: 100, skew: 218_750, masterDown: 3_218_750),
        Row(version: .v3, priority: 100, intervalCentiseconds: 50, skew: 304_687, masterDown: 1_804_687),
        Row(version: .v3, priority: 1, intervalCentiseconds: 4095, skew: 40_790_039, masterDown: 163_640_039),
    ]

    @Test(arguments: rows) func skewAndMasterDownInterval(row: Row) {
        let skew = VRRPTimers.skewMicroseconds(
            version: row.version, priority: row.priority,
            masterAdvertisementIntervalCentiseconds: row.intervalCentiseconds)
        let down = VRRPTimers.masterDownMicroseconds(
            version: row.version, priority: row.priority,
            masterAdvertisementIntervalCentiseconds: row.intervalCentiseconds)
        #expect(skew == row.skew)
        #expect(down == row.masterDown)
    }

    @Test func downTimerAdvertsReplacesTheThree() {
        let down = VRRPTimers.masterDownMicroseconds(
            version: .v2, priority: 100, masterAdvertisementIntervalCentiseconds: 100, downTimerAdverts: 5)
        #expect(down == 5_609_375)
    }
}
