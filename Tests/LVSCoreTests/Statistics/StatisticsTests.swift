import Testing

@testable import LVSCore

@Suite struct StatisticsTests {
    @Test func countersPerServerServiceAndGlobal() throws {
        let h = ConnectionHarness()
        try h.addService()
        try h.addServer(1)
        h.send(.syn, length: 60)
        h.reply([.syn, .ack], length: 60)
        h.send(.ack, length: 52)
        h.send(.ack, length: 1052)
        h.reply(.ack, length: 1500)
        h.reply(.ack, length: 1500)
        let expected = StatsCounters(connections: 1, inPackets: 3, outPackets: 3, inBytes: 1164, outBytes: 3060)
        #expect(h.realServer(1)?.stats == expected)
        #expect(h.director.services[h.tcpService]?.stats == expected)
        #expect(h.director.globalStats == expected)
        // Templates do not count as connections.
        let p = VirtualServiceID(protocol: .tcp, address: h.vipAddress, port: 443)
        try h.addService(p, persistence: 60)
        try h.addServer(2, to: p, port: 443)
        h.send(.syn, port: 1, to: 443, length: 40)
        h.send(.syn, port: 2, to: 443, length: 40)
        #expect(h.director.services[p]?.stats == StatsCounters(connections: 2, inPackets: 2, inBytes: 80))
        #expect(h.director.globalStats.connections == 3)
    }

    @Test func estimatorByHand() throws {
        let h = ConnectionHarness()
        try h.addService()
        try h.addServer(1)
        h.director.advance(to: h.now)  // starts the 2-second schedule
        // 10 connections and 20 inbound packets of 100 bytes in the first interval.
        for port in UInt16(1)...10 {
            h.send(.syn, port: port, length: 100)
            h.send(.ack, port: port, length: 100)
        }
        h.advance(seconds: 2)
        // cps: sample = 10 << 9 = 5120, avg = 5120 >> 2 = 1280, shown (1280 + 511) >> 10 = 1.
        // inpps: 20 << 9 = 10240 → avg 2560 → (2560 + 511) >> 10 = 2.
        // inbps: 2000 << 4 = 32000 → avg 8000 → (8000 + 15) >> 5 = 250.
        let service = try #require(h.director.services[h.tcpService])
        #expect(
            service.estimator.rates
                == RateValues(connectionsPerSecond: 1, inPacketsPerSecond: 2, inBytesPerSecond: 250))
        #expect(service.estimator.connectionsAverage == 1280)
        // Second interval: nothing new. avg += (0 − avg) >> 2 → 960; 1920; 6000 ((6000 + 15) >> 5 = 187).
        h.advance(seconds: 2)
        #expect(service.estimator.connectionsAverage == 960)
        #expect(service.estimator.inPacketsAverage == 1920)
        #expect(service.estimator.inBytesAverage == 6000)
        #expect(
            service.estimator.rates
                == RateValues(connectionsPerSecond: 1, inPacketsPerSecond: 2, inBytesPerSecond: 187))
        // Third: 4 more packets of 100 bytes: inpps sample 2048 → 1920 + 32 = 1952 → 2;
        // inbps sample 6400 → 6000 + 100 = 6100 → 191.
        for _ in 0..<4 { h.send(.ack, port: 1, length: 100) }
        h.advance(seconds: 2)
        #expect(service.estimator.inPacketsAverage == 1952)
        #expect(service.estimator.inBytesAverage == 6100)
        #expect(service.estimator.rates.inBytesPerSecond == 191)
        #expect(h.realServer(1)?.estimator.rates == service.estimator.rates)
        #expect(h.director.globalEstimator.rates == service.estimator.rates)
        // A second that is not a 2-second boundary does not step.
        h.advance(seconds: 1)
        #expect(service.estimator.inPacketsAverage == 1952)
        // -Z resets counters and rates.
        try h.apply(.zero(nil))
        #expect(h.director.services[h.tcpService]?.estimator.rates == RateValues())
        #expect(h.director.globalStats == StatsCounters())
    }

    @Test func decaysToZeroAfterLongIdleAndFreezes() throws {
        let h = ConnectionHarness()
        try h.addService()
        try h.addServer(1)
        h.director.advance(to: h.now)
        for port in UInt16(1)...100 { h.send(.syn, port: port, length: 1000) }
        h.advance(seconds: 2)
        #expect(h.director.globalEstimator.rates.connectionsPerSecond == 12)  // (12800 + 511) >> 10 = 13311 >> 10
        h.advance(seconds: 86_400)
        #expect(h.director.globalEstimator.rates == RateValues())
        var settings = DirectorSettings()
        settings.runEstimation = false
        try h.apply(.setDirectorSettings(settings))
        for port in UInt16(101)...200 { h.send(.syn, port: port) }
        h.advance(seconds: 10)
        #expect(h.director.globalEstimator.rates == RateValues())
    }

    @Test func rateEstimatorStepIsSignedEWMA() {
        var e = RateEstimator()
        e.sample(StatsCounters(connections: 4))
        #expect(e.connectionsAverage == 512)  // (4 << 9) >> 2
        e.sample(StatsCounters(connections: 4))
        #expect(e.connectionsAverage == 384)
        e.connectionsAverage = 1
        e.sample(StatsCounters(connections: 4))
        #expect(e.connectionsAverage == 0)  // (0 − 1) >> 2 = −1: rounds towards −∞
        #expect(e.rates.connectionsPerSecond == 0)
    }

    @Test func schedulerMaintenanceEverySixtySeconds() throws {
        let h = ConnectionHarness()
        try h.addService()
        let scheduler = try #require(h.director.services[h.tcpService]?.scheduler as? RoundRobinTestScheduler)
        h.director.advance(to: h.now)
        for _ in 0..<59 { h.advance(seconds: 1) }
        #expect(scheduler.maintenanceCalls == 0)
        h.advance(seconds: 1)
        #expect(scheduler.maintenanceCalls == 1)
        h.advance(seconds: 60)
        #expect(scheduler.maintenanceCalls == 2)
    }
}
