import Testing

@testable import LVSPacketEngine

/// The ring-size formula of docs/design/0024-packet-bursts.md.
@Suite struct PacketRingSizingTests {
    func sizing(
        slot: Int = 2048, workers: Int = 2, cpus: Int = 2, queue: Int = 1000, burst: Int = 65_536,
        limit: Int = 32 << 20
    ) -> PacketRingSizing {
        PacketRingSizing(
            slotSize: slot, blockSize: 1 << 18, minimumBlocks: 16, workers: workers, cpus: cpus, queue: queue,
            burst: burst, memoryLimit: limit)
    }

    @Test func defaultsGiveSixteenThousandFrameSlotsPerRing() {
        // ⌈65,536 ÷ 2⌉ = 32,768 slots wanted = 64 MiB of 2 KiB slots; capped at 32 MiB.
        #expect(sizing().blockCount == 128)
        #expect(sizing().slots == 16_384)
        // A larger limit gives the whole burst.
        #expect(sizing(limit: 64 << 20).slots == 32_768)
    }

    @Test func theInterfaceQueueSetsTheFloorAndTheBurstTheCeiling() {
        // No burst configured: the minimum, whatever the queue.
        #expect(sizing(queue: 100_000, burst: 0).blockCount == 16)
        // 2 × 3,000 × 2 CPUs = 12,000 slots > 4,096 from the burst: rounded up to 16,384.
        #expect(sizing(queue: 3_000, burst: 8_192).slots == 16_384)
        // Small needs keep the configured minimum (16 blocks × 128 slots).
        #expect(sizing(queue: 100, burst: 1_000).slots == 2_048)
    }

    @Test func smallFramesOfBlockRingsPackDensely() {
        // 256-byte slots: 1,024 per block; 32,768 wanted = 32 blocks = 8 MiB.
        #expect(sizing(slot: 256).blockCount == 32)
        // Never over the limit, never under the minimum.
        #expect(sizing(slot: 256, limit: 1 << 20).blockCount == 16)
    }

    func xdp(queues: Int = 1, queue: Int = 1000, burst: Int = 65_536, limit: Int = 64 << 20) -> XDPSocketSizing {
        XDPSocketSizing(
            frameSize: 4096,
            wanted: PacketRingSizing.wantedFrames(queue: queue, cpus: 2, burst: burst, spread: queues),
            memoryLimit: limit)
    }

    @Test func anXDPSocketGetsTheBurstWithinItsMemory() {
        // 2 workers' 32 MiB for one queue: 8,192 receive frames + 1,024 transmit = 36 MiB ≤ 64 MiB;
        // 16,384 would need 68 MiB.
        #expect(xdp().receiveFrames == 8_192)
        #expect(xdp().totalFrames * 4096 <= 64 << 20)
        // The whole 65,536-frame burst with room for it.
        #expect(xdp(limit: 512 << 20).receiveFrames == 65_536)
        // Spread over four queues: 16,384 frames each.
        #expect(xdp(queues: 4, limit: 512 << 20).receiveFrames == 16_384)
        // Never below 2,048 (the size before burst sizing), even with too little memory.
        #expect(xdp(limit: 1 << 20).receiveFrames == 2_048)
        // No burst: the interface's queue sets the floor (2 × 5,000 × 2 CPUs = 20,000 → 32,768).
        #expect(xdp(queue: 5_000, burst: 0, limit: 512 << 20).receiveFrames == 32_768)
    }
}
