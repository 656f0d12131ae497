import LVSHealth
import LVSHealthChecks
import NIOCore
import NIOPosix
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Scripts as keepalived's `user [group]` and `script_user` say (docs/design/0032).
@Suite struct ScriptInvocationTests {
    @Test func asRootWithAUserThroughSetpriv() {
        let withGroup = ScriptInvocation.command("check.sh 1", user: "nobody", group: "nogroup", effectiveUID: 0)
        #expect(withGroup.executable == "/usr/bin/setpriv")
        #expect(
            withGroup.arguments == [
                "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--", "/bin/sh", "-c", "check.sh 1",
            ])
        let ownGroups = ScriptInvocation.command(
            "check.sh", user: "nobody", group: nil, effectiveUID: 0, primaryGroup: { $0 == "nobody" ? 65534 : nil })
        #expect(
            ownGroups.arguments == [
                "--reuid=nobody", "--init-groups", "--regid=65534", "--", "/bin/sh", "-c", "check.sh",
            ])
    }

    @Test func withoutAUserOrAsAnotherUserThroughTheShell() {
        let plain = ScriptInvocation.command("check.sh", user: nil, group: nil, effectiveUID: 0)
        #expect(plain.executable == "/bin/sh" && plain.arguments == ["-c", "check.sh"])
        let notRoot = ScriptInvocation.command("check.sh", user: "nobody", group: nil, effectiveUID: 1000)
        #expect(notRoot.executable == "/bin/sh" && notRoot.arguments == ["-c", "check.sh"])
    }

    @Test func theScriptsOwnUserBeforeScriptUser() {
        let own = ScriptInvocation.identity(user: "a", group: nil, scriptUser: "b", scriptGroup: "g")
        #expect(own.user == "a" && own.group == nil)
        let inherited = ScriptInvocation.identity(user: nil, group: nil, scriptUser: "b", scriptGroup: "g")
        #expect(inherited.user == "b" && inherited.group == "g")
        let none = ScriptInvocation.identity(user: nil, group: nil, scriptUser: nil, scriptGroup: "g")
        #expect(none.user == nil && none.group == nil)
    }

    @Test func miscCheckRunsAsItsUser() async throws {
        guard geteuid() == 0, getpwnam("nobody") != nil else {
            print("skipped: running a script as another user needs root and the user nobody")
            return
        }
        guard let nobody = getpwnam("nobody")?.pointee.pw_uid else { return }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let check = "[ \"$(id -u)\" = \(nobody) ]"
        let asNobody = try? await MiscProbe(command: check, user: "nobody").run(on: loop, timeout: .seconds(10)).get()
        // The control: the same check as lvsd's own user (root) fails.
        let asRoot = try? await MiscProbe(command: check).run(on: loop, timeout: .seconds(10)).get()
        try await group.shutdownGracefully()
        #expect(asNobody?.isSuccess == true, "\(String(describing: asNobody))")
        #expect(asRoot?.isSuccess == false, "\(String(describing: asRoot))")
    }
}
