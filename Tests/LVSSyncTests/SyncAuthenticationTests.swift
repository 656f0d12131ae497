import LVSCore
import Testing

@testable import LVSSync

@Suite struct SyncAuthenticationTests {
    static let key = SyncAuthenticationKey(id: 0x0102_0304, secret: Array("correct horse battery staple".utf8))
    static let message = SyncFixtures.v1IPv4

    typealias Verifier = SyncMessageVerifier<String>

    /// The trailer layout of docs/design/0013: magic, key id, sequence, HMAC over all before it.
    @Test func trailerLayout() {
        var sealer = SyncMessageSealer(key: Self.key, firstSequence: 0x1122_3344_5566_7788)
        let sealed = sealer.seal(Self.message)
        #expect(sealed.count == Self.message.count + 48)
        #expect(Array(sealed[0..<44]) == Self.message)
        #expect(
            Array(sealed[44..<60]) == [
                0x4C, 0x56, 0x53, 0x01,  // magic "LVS", trailer version 1
                0x01, 0x02, 0x03, 0x04,  // key id
                0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,  // sequence
            ])
        #expect(
            Array(sealed[60...]) == HMACSHA256.authenticationCode(key: Self.key.secret, message: Array(sealed[0..<60])))
        #expect(sealer.nextSequence == 0x1122_3344_5566_7789)
    }

    @Test func acceptsAnAuthenticMessageAndStripsTheTrailer() throws {
        var sealer = SyncMessageSealer(key: Self.key, firstSequence: 1)
        var verifier = Verifier(keys: [Self.key])
        let inner = try verifier.verify(sealer.seal(Self.message), from: "master").get()
        #expect(inner == Self.message)
        #expect(SyncMessage.decode(inner).connections == [SyncFixtures.v1IPv4Connection])
        #expect(verifier.lastSequence(from: "master") == 1)
    }

    /// Off by default: datagrams pass unchanged, and an authenticated one then fails the
    /// kernel's size check, exactly as on a kernel backup (reference §7.5 step 1).
    @Test func offByDefault() throws {
        var verifier = Verifier()
        #expect(!verifier.isEnabled)
        #expect(try verifier.verify(Self.message, from: "m").get() == Self.message)
        var sealer = SyncMessageSealer(key: Self.key, firstSequence: 1)
        let sealed = sealer.seal(Self.message)
        #expect(SyncMessage.decode(try verifier.verify(sealed, from: "m").get()).messageDrop == .sizeMismatch)
    }

    @Test func refusesUnauthenticatedMessages() {
        var verifier = Verifier(keys: [Self.key])
        #expect(verifier.verify(Self.message, from: "m") == .failure(.unauthenticated))
        #expect(verifier.verify([0, 1, 0, 4], from: "m") == .failure(.unauthenticated))
        #expect(verifier.verify([], from: "m") == .failure(.unauthenticated))
    }

    @Test func refusesUnknownKeys() {
        var sealer = SyncMessageSealer(key: SyncAuthenticationKey(id: 9, secret: Self.key.secret), firstSequence: 1)
        var verifier = Verifier(keys: [Self.key])
        #expect(verifier.verify(sealer.seal(Self.message), from: "m") == .failure(.unknownKey))
    }

    @Test func refusesForgedMessages() {
        var sealer = SyncMessageSealer(key: Self.key, firstSequence: 5)
        let sealed = sealer.seal(Self.message)
        var verifier = Verifier(keys: [Self.key])
        for offset in [1, 20, 43, 52, 59, 60, 91] {  // message, sequence number, code
            var forged = sealed
            forged[offset] ^= 0x01
            #expect(verifier.verify(forged, from: "m") == .failure(.badAuthenticationCode), "byte \(offset)")
        }
        var wrongSecret = SyncMessageSealer(
            key: SyncAuthenticationKey(id: Self.key.id, secret: Array("guess".utf8)), firstSequence: 6)
        #expect(verifier.verify(wrongSecret.seal(Self.message), from: "m") == .failure(.badAuthenticationCode))
        // Refusals leave the replay state alone: the genuine message is still accepted.
        #expect(verifier.lastSequence(from: "m") == nil)
        #expect((try? verifier.verify(sealed, from: "m").get()) == Self.message)
    }

    @Test func refusesReplays() throws {
        var sealer = SyncMessageSealer(key: Self.key, firstSequence: 100)
        let first = sealer.seal(Self.message)
        let second = sealer.seal(Self.message)
        var verifier = Verifier(keys: [Self.key])
        _ = try verifier.verify(first, from: "a").get()
        #expect(verifier.verify(first, from: "a") == .failure(.replayedSequence))
        _ = try verifier.verify(second, from: "a").get()
        #expect(verifier.verify(first, from: "a") == .failure(.replayedSequence))
        #expect(verifier.verify(second, from: "a") == .failure(.replayedSequence))
        // Replay state is per sender identity.
        #expect((try? verifier.verify(first, from: "b").get()) == Self.message)
        verifier.forget("a")
        #expect((try? verifier.verify(first, from: "a").get()) == Self.message)
    }

    /// Key rollover: a receiver holding two keys accepts masters using either.
    @Test func acceptsAnyConfiguredKey() {
        let newKey = SyncAuthenticationKey(id: 2, secret: Array("new".utf8))
        var verifier = Verifier(keys: [Self.key, newKey])
        var oldSealer = SyncMessageSealer(key: Self.key, firstSequence: 1)
        var newSealer = SyncMessageSealer(key: newKey, firstSequence: 1)
        #expect((try? verifier.verify(oldSealer.seal(Self.message), from: "old").get()) == Self.message)
        #expect((try? verifier.verify(newSealer.seal(Self.message), from: "new").get()) == Self.message)
    }
}
