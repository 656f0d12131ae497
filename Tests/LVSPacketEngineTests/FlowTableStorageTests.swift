import LVSCore
import Testing

@testable import LVSPacketEngine

/// The flow table's compact storage (FlowTable+Storage.swift): the open-addressing index against
/// a dictionary, and thousands of flows found from both directions as others come and go.
@Suite struct FlowTableStorageTests {
    @Test func slotIndexAgreesWithADictionaryThroughInsertsAndRemovals() {
        var index = SlotIndex()
        var model: [Int32: UInt64] = [:]
        var generator = SystemRandomNumberGenerator()
        // Few distinct hash values: long runs that wrap and collide, which backward shift must keep findable.
        for step in 0..<20_000 {
            let value = Int32.random(in: 0..<3_000, using: &generator)
            let hash = UInt64.random(in: 0..<512, using: &generator) &* 0x9E37_79B9
            if let stored = model[value] {
                index.remove(value, hash: stored)
                model[value] = nil
            } else if step % 3 != 0 {
                index.insert(value, hash: hash)
                model[value] = hash
            }
            if step % 997 == 0 {
                for (value, hash) in model { #expect(index.find(hash) { $0 == value } == value) }
            }
        }
        #expect(index.count == model.count)
        for (value, hash) in model { #expect(index.find(hash) { $0 == value } == value) }
        for (value, hash) in model { index.remove(value, hash: hash) }
        #expect(index.count == 0)
        #expect(index.find(0) { _ in true } == nil)
        // Emptied, it gave its buckets back.
        #expect(index.buckets.count < 64)
    }

    @Test func thousandsOfFlowsAreFoundFromBothDirectionsWhileHalfOfThemClose() throws {
        let shared = try WorkerFlowTableTests.director()
        let decider = WorkerDecider(director: shared)
        let now = MonotonicInstant.seconds(2)
        let ports = (0..<5_000).map { UInt16(10_000 + $0) }
        for port in ports { WorkerFlowTableTests.handshake(decider, port: port, now: now) }
        #expect(decider.flows.count == ports.count)
        for port in ports {
            #expect(decider.flows.inbound(WorkerFlowTableTests.inbound(.ack, port: port), now: now.nanoseconds) != nil)
            let reply = decider.flows.outbound(WorkerFlowTableTests.outbound(.ack, port: port), now: now.nanoseconds)
            guard case .reply(_, let address, let virtualPort, _) = reply else {
                Issue.record("port \(port): reply not decided by the table")
                continue
            }
            #expect(address == WorkerFlowTableTests.vip && virtualPort == 80)
        }
        // Every second flow closes: its FIN goes to the director, which withdraws the grant.
        for port in ports where port % 2 == 0 {
            _ = decider.inbound(WorkerFlowTableTests.inbound([.fin, .ack], port: port), now: now)
        }
        #expect(decider.flows.count == ports.count / 2)
        for port in ports {
            let verdict = decider.flows.inbound(WorkerFlowTableTests.inbound(.ack, port: port), now: now.nanoseconds)
            #expect((verdict != nil) == (port % 2 == 1), "port \(port)")
        }
        // The verdict names each flow's own entry, not a shared template's.
        let refs = Set(
            ports.filter { $0 % 2 == 1 }.compactMap { port -> ConnectionRef? in
                let verdict = decider.flows.inbound(
                    WorkerFlowTableTests.inbound(.ack, port: port), now: now.nanoseconds)
                guard case .forward(let ref, _, _, _) = verdict else { return nil }
                return ref
            })
        #expect(refs.count == ports.count / 2)
        #expect(!refs.contains(FlowTable.placeholder))
    }

    @Test func aFlowCostsAboutOneHundredAndThirtyBytes() throws {
        #expect(MemoryLayout<FlowTable.Record>.stride == 80)
        let shared = try WorkerFlowTableTests.director()
        let decider = WorkerDecider(director: shared)
        let now = MonotonicInstant.seconds(2)
        let count = 4_096
        for index in 0..<count { WorkerFlowTableTests.handshake(decider, port: UInt16(20_000 + index), now: now) }
        let flows = decider.flows
        #expect(flows.count == count)
        // Two keys per flow in buckets of 8 bytes at most half full, one entry index, the records.
        let bytes =
            flows.records.capacity * MemoryLayout<FlowTable.Record>.stride + flows.byKey.buckets.count * 8
            + flows.byRef.buckets.count * 8
        #expect(bytes / count <= 80 * 2 + 32 + 16, "\(bytes / count) bytes per flow")
        // One endpoint for the service, one for the real server; one verdict each way.
        #expect(flows.endpoints.values.count == 2)
        #expect(flows.inboundVerdicts.values.count == 1 && flows.outboundVerdicts.values.count == 1)
    }
}
