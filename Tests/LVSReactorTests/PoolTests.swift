import CLinuxNet
import Glibc
import Testing

@testable import LVSReactor

@Suite struct BufferPoolTests {
    @Test func exhaustsAndRecovers() throws {
        let pool = BufferPool(bufferSize: 1024, capacity: 3)
        let a = try #require(pool.take())
        let b = try #require(pool.take())
        let c = try #require(pool.take())
        #expect(Set([a.index, b.index, c.index]) == [0, 1, 2])
        #expect(pool.take() == nil)
        #expect(pool.take() == nil)
        #expect(pool.exhaustionCount == 2)
        #expect(pool.inUse == 3)
        pool.giveBack(b)
        #expect(pool.available == 1)
        #expect(pool.take() == b)
        pool.giveBack(a)
        pool.giveBack(b)
        pool.giveBack(c)
        #expect(pool.available == 3)
        #expect(pool.exhaustionCount == 2)
    }

    @Test func buffersDoNotOverlap() throws {
        let pool = BufferPool(bufferSize: 256, capacity: 4)
        var loans: [BufferPool.Buffer] = []
        for value in UInt8(1)...4 {
            let buffer = try #require(pool.take())
            let bytes = pool.bytes(of: buffer)
            #expect(bytes.count == 256)
            bytes.initializeMemory(as: UInt8.self, repeating: value)
            loans.append(buffer)
        }
        for (offset, buffer) in loans.enumerated() {
            let bytes = pool.bytes(of: buffer)
            #expect(bytes.allSatisfy { $0 == UInt8(offset + 1) })
        }
        for buffer in loans { pool.giveBack(buffer) }
    }
}

@Suite struct PipePoolTests {
    @Test func boundedReusedAndCounted() throws {
        let pool = PipePool(maxPipes: 2, pipeSize: 1 << 16)
        let first = try #require(pool.take())
        let second = try #require(pool.take())
        #expect(pool.take() == nil)
        #expect(pool.exhaustionCount == 1)
        #expect(pool.inUse == 2)
        pool.giveBack(first)
        #expect(pool.idleCount == 1)
        #expect(pool.take() == first)  // the same fds, no new pipe2
        pool.discard(second)  // closed, not kept
        #expect(pool.idleCount == 0)
        #expect(pool.inUse == 1)
        let third = try #require(pool.take())
        #expect(third != first)
        pool.giveBack(first)
        pool.giveBack(third)
        #expect(pool.idleCount == 2)
        #expect(pool.creationFailureCount == 0)
    }

    @Test func splicesBetweenSocketsThroughAPipe() throws {
        var left: [Int32] = [-1, -1]
        var right: [Int32] = [-1, -1]
        #expect(socketpair(AF_UNIX, CLINUXNET_SOCK_STREAM, 0, &left) == 0)
        #expect(socketpair(AF_UNIX, CLINUXNET_SOCK_STREAM, 0, &right) == 0)
        defer { for fd in left + right { close(fd) } }
        let pool = PipePool(maxPipes: 1)
        let pipe = try #require(pool.take())
        defer { pool.giveBack(pipe) }
        let message: [UInt8] = Array("spliced".utf8)
        #expect(message.withUnsafeBytes { Socket.write(left[0], from: $0) } == .transferred(7))
        #expect(Socket.splice(from: left[1], to: pipe.writeFD, count: 64) == .transferred(7))
        #expect(Socket.splice(from: pipe.readFD, to: right[0], count: 64) == .transferred(7))
        #expect(Socket.splice(from: pipe.readFD, to: right[0], count: 64) == .wouldBlock)
        var received = [UInt8](repeating: 0, count: 16)
        let result = received.withUnsafeMutableBytes { Socket.read(right[1], into: $0) }
        #expect(result == .transferred(7))
        #expect(Array(received.prefix(7)) == message)
    }
}
