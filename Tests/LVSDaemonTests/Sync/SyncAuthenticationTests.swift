import Foundation
import Testing

extension SyncEndToEndTests {
    /// Authenticated sync (docs/design/0013-sync-authentication.md): both directors run with the
    /// same `--sync-key-file`; the master's sealed messages create entries on the backup; a third
    /// host on the sync network sends a valid version 1 message (reference §7.3) without a
    /// trailer, then with a code made under another key: the backup drops and counts both and
    /// creates nothing. The same message sealed under the right key is accepted, so the forged
    /// ones were refused for their code alone.
    @Suite("authenticated sync refuses forged messages", .serialized)
    struct Authentication {
        @Test("sealed entries arrive; unsealed and forged messages are dropped, counted and create nothing")
        func forgedMessagesAreDropped() async throws {
            guard SyncLab.available() else { return }
            try await SyncLab.run(.directRouting) { sync in
                let keyFile = sync.lab.file("sync.key")
                try "a shared secret for both directors, 0123456789abcdef\n".write(
                    toFile: keyFile, atomically: true, encoding: .utf8)
                let (_, b) = try await sync.startDirectors(
                    services: [SyncLab.VirtualService(port: 8080)], extraArguments: ["--sync-key-file", keyFile])

                // The master's sealed messages arrive.
                let client = try SyncLabLineClient("c1", lab: sync.lab, port: 8080)
                try await client.expectAnswers(through: 5, within: 30, step: "through A")
                var onB: [SyncLabEntry] = []
                let arrived = await sync.lab.poll(within: 20) {
                    onB = try await sync.connections("B")
                    return onB.contains { $0.clientAddress == "10.99.0.3" && $0.state == "ESTABLISHED" }
                }
                try #require(arrived, "B holds no entry of A's connection: \(onB)")
                client.stop()

                // From O, on the sync network: unsealed (client .201), sealed under another key
                // (.202), sealed under the directors' key (.203), in that order from one socket.
                let forger = sync.lab.file("forge.py")
                try Self.forgeScript.write(toFile: forger, atomically: true, encoding: .utf8)
                let python = try #require(VRRPLab.tool("python3"))
                let sent = try await VRRPLab.shell(
                    "ip netns exec \(sync.lab.observer) timeout 20 \(python) \(forger) \(keyFile) \(SyncLab.syncID)")
                try #require(sent.status == 0, "forge.py: \(sent.error)")

                var entries: [SyncLabEntry] = []
                let controlArrived = await sync.lab.poll(within: 20) {
                    entries = try await sync.connections("B")
                    return entries.contains { $0.clientAddress == "10.99.0.203" }
                }
                try #require(controlArrived, "the correctly sealed message made no entry on B: \(entries)")
                let forged = entries.filter { ["10.99.0.201", "10.99.0.202"].contains($0.clientAddress) }
                #expect(forged.isEmpty, "forged messages made entries on B: \(forged)")

                // Counted: by reason in `lvsadm --sync --json` where lvsadm has it, and logged.
                let report = try await sync.lvsadm("B", ["--sync", "--json"])
                if report.status == 0 {
                    let drops = try Self.backupDrops(report.standardOutput)
                    #expect(drops["unauthenticated"] == 1, "B's drops: \(drops)")
                    #expect(drops["bad_authentication_code"] == 1, "B's drops: \(drops)")
                } else {
                    print("lvsadm --sync is not there (\(report.standardError.prefix(80))); checking the log only")
                }
                let logged = await sync.lab.poll(within: 10) {
                    b.log.contains("dropped a message from 10.98.0.3: unauthenticated")
                        && b.log.contains("dropped a message from 10.98.0.3: bad_authentication_code")
                }
                #expect(logged, "B did not log the dropped messages:\n\(b.log)")
            }
        }

        /// The backup daemon's `drops` in `lvsadm --sync --json`.
        static func backupDrops(_ json: String) throws -> [String: Int] {
            let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
            let daemons = object?["daemons"] as? [[String: Any]] ?? []
            let backup = daemons.first { ($0["config"] as? [String: Any])?["role"] as? String == "backup" }
            let drops = try #require(backup?["drops"] as? [String: Any], "no backup daemon in \(json)")
            return drops.compactMapValues { ($0 as? NSNumber)?.intValue }
        }

        /// Sends three version 1 messages to 224.0.0.81:8848 out of O's inside address, each with
        /// one ESTABLISHED direct-routing TCP entry to the VIP: unsealed, sealed under a wrong key
        /// (the directors' key id, another secret), sealed under the key file's secret. The
        /// trailer: magic "LVS\\x01", key id (first 4 bytes of the secret's SHA-256), sequence,
        /// HMAC-SHA-256 over the message and the first 16 trailer bytes.
        static let forgeScript = """
            import hashlib, hmac, socket, struct, sys, time
            secret = open(sys.argv[1], "rb").read()
            sync_id = int(sys.argv[2])
            key_id = hashlib.sha256(secret).digest()[:4]

            def message(client):
                record = struct.pack(
                    "!BBHIHHHHII4s4s4s", 0, 6, 36, 0x0003, 1, 40001, 8080, 8080, 0, 900,
                    socket.inet_aton(client), socket.inet_aton("\(SyncLab.vip)"), socket.inet_aton("\(SyncLab.servers[0])"))
                return struct.pack("!BBHBBH", 0, sync_id, 8 + len(record), 1, 1, 0) + record

            def sealed(body, key, sequence):
                head = b"LVS\\x01" + key_id + struct.pack("!Q", sequence)
                return body + head + hmac.new(key, body + head, hashlib.sha256).digest()

            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("10.98.0.3"))
            s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
            sequence = int(time.time() * 1000000)
            for datagram in (
                message("10.99.0.201"),
                sealed(message("10.99.0.202"), b"not the directors' secret", sequence + 1),
                sealed(message("10.99.0.203"), secret, sequence + 2),
            ):
                s.sendto(datagram, ("224.0.0.81", 8848))
                time.sleep(0.05)
            """
    }
}
