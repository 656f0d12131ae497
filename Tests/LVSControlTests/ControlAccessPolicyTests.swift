import LVSCore
import Testing

@testable import LVSControl

@Suite("Control access policy")
struct ControlAccessPolicyTests {
    let policy = ControlAccessPolicy(daemonUserID: 1000)
    let change = ControlRequestBody.apply(.clear)
    let batch = ControlRequestBody.applyBatch([.clear])

    func peer(_ uid: UInt32) -> PeerCredentials { PeerCredentials(processID: 99, userID: uid, groupID: uid) }

    @Test("root and the daemon's own user may change state")
    func privileged() {
        #expect(policy.permits(change, from: peer(0)))
        #expect(policy.permits(change, from: peer(1000)))
        #expect(policy.permits(batch, from: peer(0)))
        #expect(policy.permits(batch, from: peer(1000)))
    }

    @Test("anyone else may only read")
    func others() {
        #expect(!policy.permits(change, from: peer(1001)))
        #expect(!policy.permits(batch, from: peer(65534)))
        for read in [ControlRequestBody.getTable, .getConnections, .getTimeouts, .getDaemons, .ping] {
            #expect(policy.permits(read, from: peer(1001)))
        }
    }

    @Test("unknown credentials may not change state")
    func unknownPeer() {
        #expect(!policy.permits(change, from: nil))
        #expect(policy.permits(.getTable, from: nil))
    }

    @Test("a daemon run by root lets only root change state")
    func rootDaemon() {
        let rootPolicy = ControlAccessPolicy(daemonUserID: 0)
        #expect(rootPolicy.permits(change, from: peer(0)))
        #expect(!rootPolicy.permits(change, from: peer(1000)))
    }

    @Test("default socket paths")
    func defaultPaths() throws {
        #expect(
            try ControlSocketLocation.defaultPath(effectiveUserID: 0, runtimeDirectory: "/run/user/0").get()
                == "/run/lvsd.sock")
        #expect(
            try ControlSocketLocation.defaultPath(effectiveUserID: 1000, runtimeDirectory: "/run/user/1000").get()
                == "/run/user/1000/lvsd.sock")
        #expect(throws: ControlSocketLocation.MissingDefault.self) {
            try ControlSocketLocation.defaultPath(effectiveUserID: 1000, runtimeDirectory: nil).get()
        }
        #expect(throws: ControlSocketLocation.MissingDefault.self) {
            try ControlSocketLocation.defaultPath(effectiveUserID: 1000, runtimeDirectory: "").get()
        }
    }
}
